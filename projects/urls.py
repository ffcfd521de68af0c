from django.urls import path

from projects import views

urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="project-list"),
    path("projects/<int:project_id>/", views.ProjectDetailView.as_view(), name="project-detail"),
    path("projects/<int:project_id>/members/", views.MemberListView.as_view(), name="member-list"),
    path(
        "projects/<int:project_id>/members/<int:user_id>/",
        views.MemberDetailView.as_view(),
        name="member-detail",
    ),
]
