from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_can_create_projects
from projects.access import access_project
from projects.selectors import project_list
from projects.serializers import ProjectSerializer
from projects.services import project_create


class ProjectListView(generics.ListAPIView):
    """The caller's projects; site staff and project creators may create one."""

    serializer_class = ProjectSerializer

    def get_queryset(self):
        return project_list(user=self.request.user)

    @extend_schema(request=ProjectSerializer, responses={201: ProjectSerializer})
    def post(self, request: Request) -> Response:
        if not user_can_create_projects(request.user):
            raise PermissionDenied("You may not create projects.")
        given = ProjectSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        project = project_create(creator=request.user, **given.validated_data)
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailView(APIView):
    @extend_schema(responses=ProjectSerializer)
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id)
        return Response(ProjectSerializer(project).data)
