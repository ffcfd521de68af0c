from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.access import access_quality_run
from annotation.quality.selectors import quality_run_list
from annotation.quality.serializers import QualityRunSerializer, QualityRunSummarySerializer
from annotation.quality.services import quality_run_start
from projects.access import access_project
from projects.models import Role

RECENT_RUNS = 50


class QualityRunListView(APIView):
    """A project's quality runs, newest first (reviewers and managers); POST starts one."""

    @extend_schema(responses=QualityRunSummarySerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.REVIEWER)
        runs = quality_run_list(project=project).select_related("created_by")[:RECENT_RUNS]
        return Response(QualityRunSummarySerializer(runs, many=True).data)

    @extend_schema(request=None, responses={202: QualityRunSerializer, 200: QualityRunSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        """Queue a run (202); while one is still waiting to start, that one is returned (200)."""
        project = access_project(request.user, project_id, min_role=Role.REVIEWER)
        run, created = quality_run_start(project=project, user=request.user)
        run.refresh_from_db()
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(QualityRunSerializer(run).data, status=code)


class QualityRunDetailView(APIView):
    @extend_schema(responses=QualityRunSerializer)
    def get(self, request: Request, run_id: int) -> Response:
        return Response(QualityRunSerializer(access_quality_run(request.user, run_id)).data)
