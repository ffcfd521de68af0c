from django.contrib.auth import authenticate, update_session_auth_hash
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import SiteStaff
from accounts.selectors import user_list
from accounts.serializers import (
    MeSerializer,
    PasswordChangeSerializer,
    PasswordSetSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UserCreateSerializer,
    UserMadeSerializer,
    UserSerializer,
    UsersImportSerializer,
    UserUpdateSerializer,
)
from accounts.services import (
    UsersRefused,
    password_change,
    password_set_temporary,
    token_for_user,
    token_replace,
    user_create,
    user_update,
    users_import,
)
from accounts.throttles import LOGIN_THROTTLES


def _secret(body: dict, code: int = status.HTTP_200_OK) -> Response:
    """An answer holding a credential: never kept by a browser's or a proxy's cache."""
    return Response(body, status=code, headers={"Cache-Control": "no-store"})


class TokenView(APIView):
    """Exchange a username and password for an API token (``Authorization: Token …``)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = list(LOGIN_THROTTLES)

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request: Request) -> Response:
        given = TokenRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=given.validated_data["username"],
            password=given.validated_data["password"],
        )
        if user is None:
            return Response(
                {"detail": "Unable to log in with the given username and password."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return _secret({"token": token_for_user(user=user)})


class MeView(APIView):
    permission_classes = [IsAuthenticated]  # also before a given password is changed

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class MyTokenView(APIView):
    """The caller's own API token, for scripts (``Authorization: Token …``): read it
    (made on first use), or replace it (the old one stops working)."""

    @extend_schema(responses={200: TokenSerializer})
    def get(self, request: Request) -> Response:
        return _secret({"token": token_for_user(user=request.user)})

    @extend_schema(request=None, responses={201: TokenSerializer})
    def post(self, request: Request) -> Response:
        return _secret({"token": token_replace(user=request.user)}, status.HTTP_201_CREATED)


def _refused(refused: UsersRefused) -> Response:
    """400 with every problem, ``{line, reason}`` (the line a number)."""
    return Response({"errors": refused.errors}, status=status.HTTP_400_BAD_REQUEST)


class MyPasswordView(APIView):
    """Change one's own password (``old_password``, ``new_password``): 204. The session
    stays logged in; the API token ends (a new password ends the old token)."""

    permission_classes = [IsAuthenticated]  # the way out of a given password

    @extend_schema(request=PasswordChangeSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        given = PasswordChangeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            password_change(user=request.user, **given.validated_data)
        except UsersRefused as refused:
            return _refused(refused)
        update_session_auth_hash(request._request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserListView(generics.ListAPIView):
    """The site's accounts (site staff): ``?q=`` searches usernames and display names,
    ``?active=1|0``. POST makes one: the password given, or one made and shown once;
    either way the user changes it at the next log-in."""

    serializer_class = UserSerializer
    permission_classes = [SiteStaff]

    @extend_schema(parameters=[OpenApiParameter("q", str), OpenApiParameter("active", bool)])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        active = self.request.query_params.get("active", "")
        return user_list(
            search=self.request.query_params.get("q", "")[:150],
            active={"1": True, "0": False}.get(active),
        )

    @extend_schema(request=UserCreateSerializer, responses={201: UserMadeSerializer})
    def post(self, request: Request) -> Response:
        given = UserCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            user, made = user_create(**given.validated_data)
        except UsersRefused as refused:
            return _refused(refused)
        body = UserMadeSerializer(user, context={"passwords": {user.id: made}}).data
        return _secret(body, status.HTTP_201_CREATED)


class UsersImportView(APIView):
    """Accounts from a CSV file (site staff): ``username``, optional ``display_name`` and
    ``password`` (or 用户名, 姓名, 密码), UTF-8 or GB18030. All or none: 400 with every
    problem by its line; 201 with each account and the password made for it, shown once."""

    permission_classes = [SiteStaff]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=UsersImportSerializer, responses={201: UserMadeSerializer(many=True)})
    def post(self, request: Request) -> Response:
        given = UsersImportSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        upload = given.validated_data["file"]
        if upload.size > 1024 * 1024:
            raise ValidationError({"file": [_("A file of users is at most 1 MB.")]})
        try:
            made = users_import(content=upload.read())
        except UsersRefused as refused:
            return _refused(refused)
        passwords = {user.id: password for user, password in made}
        users = [user for user, _password in made]
        body = UserMadeSerializer(users, many=True, context={"passwords": passwords}).data
        return _secret({"users": body}, status.HTTP_201_CREATED)


class UserDetailView(APIView):
    """One account (site staff): PATCH ``display_name``, ``is_active`` (deactivated, it
    can no longer log in and its token stops at once; nobody deactivates themselves)."""

    permission_classes = [SiteStaff]

    @extend_schema(responses=UserSerializer)
    def get(self, request: Request, user_id: int) -> Response:
        return Response(UserSerializer(get_object_or_404(User, id=user_id)).data)

    @extend_schema(request=UserUpdateSerializer, responses=UserSerializer)
    def patch(self, request: Request, user_id: int) -> Response:
        user = get_object_or_404(User, id=user_id)
        given = UserUpdateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            user_update(user=user, by=request.user, **given.validated_data)
        except UsersRefused as refused:
            return _refused(refused)
        return Response(UserSerializer(user).data)


class UserPasswordView(APIView):
    """Give an account a temporary password (site staff): the one given, or one made and
    answered once; the user changes it at the next log-in."""

    permission_classes = [SiteStaff]

    @extend_schema(request=PasswordSetSerializer, responses={200: PasswordSetSerializer})
    def post(self, request: Request, user_id: int) -> Response:
        user = get_object_or_404(User, id=user_id)
        given = PasswordSetSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            password = password_set_temporary(user=user, **given.validated_data)
        except UsersRefused as refused:
            return _refused(refused)
        return _secret({"password": password})
