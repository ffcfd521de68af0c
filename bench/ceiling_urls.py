"""The platform's URLs plus one bare DRF endpoint, the ceiling of bench/annotate.py.

GET /bench/row/<pk>/ authenticates like every API call (same settings, same middleware)
and reads one snippet row by primary key: the least work a useful request can do.
GET /bench/pid/ names the server process that answers (bench/serving.py spreads the
clients' connections over the workers with it).
"""

import os

from django.urls import include, path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.models import Snippet


class RowView(APIView):
    def get(self, request: Request, pk: int) -> Response:
        return Response(Snippet.objects.values("id", "text").get(pk=pk))


class PidView(APIView):
    def get(self, request: Request) -> Response:
        return Response({"pid": os.getpid()})


urlpatterns = [
    path("bench/pid/", PidView.as_view()),
    path("bench/row/<int:pk>/", RowView.as_view()),
    path("", include("config.urls")),
]
