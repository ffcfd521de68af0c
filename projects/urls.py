from django.urls import path

from projects import views

urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="project-list"),
    path("projects/<id:project_id>/", views.ProjectDetailView.as_view(), name="project-detail"),
    path("projects/<id:project_id>/members/", views.MemberListView.as_view(), name="member-list"),
    path(
        "projects/<id:project_id>/members/candidates/",
        views.MemberCandidatesView.as_view(),
        name="member-candidates",
    ),
    path(
        "projects/<id:project_id>/members/<id:user_id>/",
        views.MemberDetailView.as_view(),
        name="member-detail",
    ),
]
