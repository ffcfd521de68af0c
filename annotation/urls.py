from django.urls import path

from annotation import views

urlpatterns = [
    path("projects/<int:project_id>/imports/", views.ImportListView.as_view(), name="import-list"),
    path("imports/<int:import_id>/", views.ImportDetailView.as_view(), name="import-detail"),
    path(
        "projects/<int:project_id>/snippets/",
        views.SnippetListView.as_view(),
        name="snippet-list",
    ),
    path("projects/<int:project_id>/tokenizer/", views.TokenizerView.as_view(), name="tokenizer"),
    path("snippets/<int:snippet_id>/", views.SnippetDetailView.as_view(), name="snippet-detail"),
]
