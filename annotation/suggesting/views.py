from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.admission import TooManyJobs
from annotation.core.i18n import translated
from annotation.ingest.formats import ImportFileError
from annotation.jobs import suggest_refresh_ask
from annotation.suggesting.external import UnknownEndpoint, configured, endpoint_run_start
from annotation.suggesting.gazetteer import read_gazetteer
from annotation.suggesting.selectors import suggestions_overview
from annotation.suggesting.serializers import (
    EndpointRunSerializer,
    EndpointRunStartSerializer,
    GazetteerUploadSerializer,
    SuggestionsSerializer,
)
from annotation.suggesting.services import gazetteer_replace
from projects.access import access_project
from projects.models import Kind, Role

GAZETTEER_MAX_BYTES = 20 * 1024 * 1024


class SuggestionsView(APIView):
    """The project's suggestion engines (reviewers and managers): each project model's
    trainings, newest first, with its F1 on the finals it held out beside its baseline's
    and whether it is shown. POST (managers) trains the models again now."""

    @extend_schema(responses=SuggestionsSerializer)
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.REVIEWER).project
        endpoints = [
            {"name": e.name, "protocol": e.protocol, "model": e.model}
            for e in configured().values()
        ]
        overview = suggestions_overview(project=project, endpoints=endpoints)
        return Response(SuggestionsSerializer(overview).data)

    @extend_schema(request=None, responses={202: None})
    def post(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        suggest_refresh_ask(project.id, force=True)
        return Response(status=status.HTTP_202_ACCEPTED)


class GazetteerView(APIView):
    """The project's gazetteer (managers): strings the dictionary engine suggests with
    their labels. POST a file to replace it whole; DELETE empties it."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=GazetteerUploadSerializer, responses={200: None})
    def post(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        given = GazetteerUploadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        upload = given.validated_data["file"]
        if upload.size > GAZETTEER_MAX_BYTES:
            reason = _("The file is larger than %(size)s MB.")
            raise ValidationError({"file": [reason % {"size": GAZETTEER_MAX_BYTES // 2**20}]})
        labels = {label.name for label in project.labels.all() if label.kind == Kind.SPANS}
        try:
            entries = read_gazetteer(upload.read(), labels, given.validated_data["label"])
        except ImportFileError as refused:
            reason = translated(refused.message, refused.params, _)
            body = {"file": upload.name, "line": refused.line, "reason": reason}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response({"entries": gazetteer_replace(project=project, entries=entries)})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        gazetteer_replace(project=project, entries=[])
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointRunListView(APIView):
    """POST (managers): run an external endpoint, by the name site staff gave it, over the
    project's open snippets."""

    @extend_schema(request=EndpointRunStartSerializer, responses={202: EndpointRunSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        given = EndpointRunStartSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        name = given.validated_data["endpoint"]
        try:
            run = endpoint_run_start(project=project, user=request.user, endpoint=name)
        except UnknownEndpoint:
            reason = _("No endpoint is configured under the name %(name)s.")
            raise ValidationError({"endpoint": [reason % {"name": name}]}) from None
        except TooManyJobs as refused:
            raise Throttled(detail=refused.reason) from None
        run.refresh_from_db()
        return Response(EndpointRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
