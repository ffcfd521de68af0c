from django.urls import path

from annotation import views
from annotation.delivery import views as delivery
from annotation.quality import views as quality
from annotation.work import views as work

urlpatterns = [
    path("projects/<int:project_id>/tasks/next/", work.TaskNextView.as_view(), name="task-next"),
    path("projects/<int:project_id>/batches/", work.BatchListView.as_view(), name="batch-list"),
    path("projects/<int:project_id>/progress/", work.ProgressView.as_view(), name="progress"),
    path(
        "projects/<int:project_id>/my-progress/",
        work.MyProgressView.as_view(),
        name="my-progress",
    ),
    path(
        "batches/<int:batch_id>/assignees/",
        work.BatchAssigneesView.as_view(),
        name="batch-assignees",
    ),
    path(
        "assignments/<int:assignment_id>/",
        work.AssignmentDetailView.as_view(),
        name="assignment-detail",
    ),
    path(
        "assignments/<int:assignment_id>/previous/",
        work.AssignmentPreviousView.as_view(),
        name="assignment-previous",
    ),
    path(
        "assignments/<int:assignment_id>/draft/", work.DraftView.as_view(), name="assignment-draft"
    ),
    path(
        "assignments/<int:assignment_id>/submit/",
        work.SubmitView.as_view(),
        name="assignment-submit",
    ),
    path("assignments/<int:assignment_id>/skip/", work.SkipView.as_view(), name="assignment-skip"),
    path("projects/<int:project_id>/imports/", views.ImportListView.as_view(), name="import-list"),
    path("imports/<int:import_id>/", views.ImportDetailView.as_view(), name="import-detail"),
    path(
        "projects/<int:project_id>/snippets/",
        views.SnippetListView.as_view(),
        name="snippet-list",
    ),
    path("projects/<int:project_id>/tokenizer/", views.TokenizerView.as_view(), name="tokenizer"),
    path("snippets/<int:snippet_id>/", views.SnippetDetailView.as_view(), name="snippet-detail"),
    path(
        "projects/<int:project_id>/quality-runs/",
        quality.QualityRunListView.as_view(),
        name="quality-run-list",
    ),
    path("quality-runs/<int:run_id>/", quality.QualityRunDetailView.as_view(), name="quality-run"),
    path(
        "projects/<int:project_id>/reviews/", quality.ReviewListView.as_view(), name="review-list"
    ),
    path(
        "projects/<int:project_id>/reviews/summary/",
        quality.QualificationView.as_view(),
        name="review-summary",
    ),
    path(
        "projects/<int:project_id>/reviews/<int:review_id>/",
        quality.ReviewDetailView.as_view(),
        name="review-detail",
    ),
    path(
        "projects/<int:project_id>/reviews/<int:review_id>/decision/",
        quality.ReviewDecisionView.as_view(),
        name="review-decision",
    ),
    path(
        "batches/<int:batch_id>/acceptance/",
        quality.AcceptanceView.as_view(),
        name="batch-acceptance",
    ),
    path(
        "batches/<int:batch_id>/acceptance/items/<int:item_id>/",
        quality.AcceptanceItemView.as_view(),
        name="batch-acceptance-item",
    ),
    path("projects/<int:project_id>/gold/", quality.GoldListView.as_view(), name="gold-list"),
    path(
        "projects/<int:project_id>/gold/accuracy/",
        quality.GoldAccuracyView.as_view(),
        name="gold-accuracy",
    ),
    path(
        "projects/<int:project_id>/gold/resume/",
        quality.GoldResumeView.as_view(),
        name="gold-resume",
    ),
    path(
        "projects/<int:project_id>/gold/<int:gold_id>/",
        quality.GoldDetailView.as_view(),
        name="gold-detail",
    ),
    path(
        "projects/<int:project_id>/adjudications/",
        quality.DisagreementListView.as_view(),
        name="adjudication-list",
    ),
    path(
        "projects/<int:project_id>/adjudications/<int:snippet_id>/",
        quality.AdjudicationView.as_view(),
        name="adjudication-detail",
    ),
    path(
        "projects/<int:project_id>/exports/",
        delivery.ExportListView.as_view(),
        name="export-list",
    ),
    path("exports/<int:export_id>/", delivery.ExportDetailView.as_view(), name="export"),
    path(
        "exports/<int:export_id>/download/",
        delivery.ExportDownloadView.as_view(),
        name="export-download",
    ),
    path("exports/<int:export_id>/card/", delivery.ExportCardView.as_view(), name="export-card"),
]
