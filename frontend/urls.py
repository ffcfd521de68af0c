from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import JavaScriptCatalog

from frontend import views

app_name = "frontend"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["frontend"]), name="jsi18n"),
    path("password/", views.password, name="password"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password/reset/sent/", views.PasswordResetSentView.as_view(), name="password-reset-sent"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("people/", views.people, name="people"),
    path("", views.project_list, name="project-list"),
    path("projects/<id:project_id>/", views.project_detail, name="project-detail"),
    path("projects/<id:project_id>/annotate/", views.workspace, name="workspace"),
    path("projects/<id:project_id>/quality/", views.quality_dashboard, name="quality"),
    path("projects/<id:project_id>/review/", views.review, name="review"),
    path("projects/<id:project_id>/adjudicate/", views.adjudicate, name="adjudicate"),
    path("projects/<id:project_id>/downloads/", views.downloads, name="downloads"),
    path(
        "projects/<id:project_id>/batches/<id:batch_id>/acceptance/",
        views.acceptance,
        name="acceptance",
    ),
]
