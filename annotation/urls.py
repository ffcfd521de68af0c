from django.urls import path

from annotation import views
from annotation.curating import views as curating
from annotation.delivery import views as delivery
from annotation.quality import views as quality
from annotation.suggesting import views as suggesting
from annotation.work import views as work

urlpatterns = [
    path("projects/<id:project_id>/tasks/next/", work.TaskNextView.as_view(), name="task-next"),
    path("projects/<id:project_id>/batches/", work.BatchListView.as_view(), name="batch-list"),
    path("projects/<id:project_id>/progress/", work.ProgressView.as_view(), name="progress"),
    path("projects/<id:project_id>/skips/", work.SkipListView.as_view(), name="skip-list"),
    path("me/returned/", work.MyReturnedView.as_view(), name="my-returned"),
    path(
        "projects/<id:project_id>/labels/usage/",
        work.LabelUsageView.as_view(),
        name="label-usage",
    ),
    path(
        "projects/<id:project_id>/my-progress/",
        work.MyProgressView.as_view(),
        name="my-progress",
    ),
    path(
        "batches/<id:batch_id>/assignees/",
        work.BatchAssigneesView.as_view(),
        name="batch-assignees",
    ),
    path(
        "assignments/<id:assignment_id>/",
        work.AssignmentDetailView.as_view(),
        name="assignment-detail",
    ),
    path(
        "assignments/<id:assignment_id>/previous/",
        work.AssignmentPreviousView.as_view(),
        name="assignment-previous",
    ),
    path(
        "assignments/<id:assignment_id>/draft/", work.DraftView.as_view(), name="assignment-draft"
    ),
    path(
        "assignments/<id:assignment_id>/submit/",
        work.SubmitView.as_view(),
        name="assignment-submit",
    ),
    path("assignments/<id:assignment_id>/skip/", work.SkipView.as_view(), name="assignment-skip"),
    path("projects/<id:project_id>/imports/", views.ImportListView.as_view(), name="import-list"),
    path("imports/<id:import_id>/", views.ImportDetailView.as_view(), name="import-detail"),
    path(
        "projects/<id:project_id>/snippets/",
        views.SnippetListView.as_view(),
        name="snippet-list",
    ),
    path(
        "projects/<id:project_id>/snippets/table/",
        curating.SnippetTableView.as_view(),
        name="snippet-table",
    ),
    path(
        "projects/<id:project_id>/snippets/actions/",
        curating.SnippetActionView.as_view(),
        name="snippet-actions",
    ),
    path(
        "snippets/<id:snippet_id>/history/",
        curating.SnippetHistoryView.as_view(),
        name="snippet-history",
    ),
    path(
        "projects/<id:project_id>/deletion/",
        curating.ProjectDeletionView.as_view(),
        name="project-deletion",
    ),
    path("projects/<id:project_id>/tokenizer/", views.TokenizerView.as_view(), name="tokenizer"),
    path(
        "projects/<id:project_id>/suggestions/",
        suggesting.SuggestionsView.as_view(),
        name="suggestions",
    ),
    path(
        "projects/<id:project_id>/suggestions/endpoint-runs/",
        suggesting.EndpointRunListView.as_view(),
        name="endpoint-run-list",
    ),
    path(
        "projects/<id:project_id>/gazetteer/",
        suggesting.GazetteerView.as_view(),
        name="gazetteer",
    ),
    path("snippets/<id:snippet_id>/", views.SnippetDetailView.as_view(), name="snippet-detail"),
    path(
        "projects/<id:project_id>/quality-runs/",
        quality.QualityRunListView.as_view(),
        name="quality-run-list",
    ),
    path("quality-runs/<id:run_id>/", quality.QualityRunDetailView.as_view(), name="quality-run"),
    path("projects/<id:project_id>/reviews/", quality.ReviewListView.as_view(), name="review-list"),
    path(
        "projects/<id:project_id>/reviews/summary/",
        quality.QualificationView.as_view(),
        name="review-summary",
    ),
    path(
        "projects/<id:project_id>/reviews/<id:review_id>/",
        quality.ReviewDetailView.as_view(),
        name="review-detail",
    ),
    path(
        "projects/<id:project_id>/reviews/<id:review_id>/decision/",
        quality.ReviewDecisionView.as_view(),
        name="review-decision",
    ),
    path(
        "batches/<id:batch_id>/acceptance/",
        quality.AcceptanceView.as_view(),
        name="batch-acceptance",
    ),
    path(
        "batches/<id:batch_id>/acceptance/items/<id:item_id>/",
        quality.AcceptanceItemView.as_view(),
        name="batch-acceptance-item",
    ),
    path("projects/<id:project_id>/gold/", quality.GoldListView.as_view(), name="gold-list"),
    path(
        "projects/<id:project_id>/gold/accuracy/",
        quality.GoldAccuracyView.as_view(),
        name="gold-accuracy",
    ),
    path(
        "projects/<id:project_id>/gold/resume/",
        quality.GoldResumeView.as_view(),
        name="gold-resume",
    ),
    path(
        "projects/<id:project_id>/gold/<id:gold_id>/",
        quality.GoldDetailView.as_view(),
        name="gold-detail",
    ),
    path(
        "projects/<id:project_id>/adjudications/",
        quality.DisagreementListView.as_view(),
        name="adjudication-list",
    ),
    path(
        "projects/<id:project_id>/adjudications/<id:snippet_id>/",
        quality.AdjudicationView.as_view(),
        name="adjudication-detail",
    ),
    path(
        "projects/<id:project_id>/exports/",
        delivery.ExportListView.as_view(),
        name="export-list",
    ),
    path("exports/<id:export_id>/", delivery.ExportDetailView.as_view(), name="export"),
    path(
        "exports/<id:export_id>/download/",
        delivery.ExportDownloadView.as_view(),
        name="export-download",
    ),
    path("exports/<id:export_id>/card/", delivery.ExportCardView.as_view(), name="export-card"),
]
