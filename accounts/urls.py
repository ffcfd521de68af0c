from django.urls import path

from accounts import views

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("me/token/", views.MyTokenView.as_view(), name="my-token"),
    path("me/password/", views.MyPasswordView.as_view(), name="my-password"),
    path("users/", views.UserListView.as_view(), name="user-list"),
    path("users/import/", views.UsersImportView.as_view(), name="user-import"),
    path("users/<id:user_id>/", views.UserDetailView.as_view(), name="user-detail"),
    path("users/<id:user_id>/password/", views.UserPasswordView.as_view(), name="user-password"),
]
