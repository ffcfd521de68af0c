"""The platform's URLs plus one bare DRF endpoint, the ceiling of bench/annotate.py.

GET /bench/row/<pk>/ authenticates like every API call (same settings, same middleware)
and reads one snippet row by primary key: the least work a useful request can do.
"""

from django.urls import include, path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.models import Snippet


class RowView(APIView):
    def get(self, request: Request, pk: int) -> Response:
        for _ in range(int(request.query_params.get("n", 1)) - 1):
            Snippet.objects.values("id", "text").get(pk=pk)
        return Response(Snippet.objects.values("id", "text").get(pk=pk))


urlpatterns = [
    path("bench/row/<int:pk>/", RowView.as_view()),
    path("", include("config.urls")),
]
