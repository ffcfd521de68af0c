from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers import MeSerializer, TokenRequestSerializer, TokenSerializer
from accounts.services import token_for_user, token_replace
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
