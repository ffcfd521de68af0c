from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from annotation.access import access_assignment, access_batch
from annotation.selectors import batch_list, work_progress
from annotation.work import services
from annotation.work.serializers import (
    AssignmentSerializer,
    BatchAssigneesSerializer,
    BatchSerializer,
    DraftSerializer,
    ProgressSerializer,
    RevisionSerializer,
    SkipSerializer,
    SubmitSerializer,
)
from annotation.work.validation import AnnotationError
from projects.access import access_project
from projects.models import Role


class TaskNextView(APIView):
    """The caller's next assignment (200), or 204 when nothing is left for them."""

    @extend_schema(request=None, responses={200: AssignmentSerializer, 204: None})
    def post(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.ANNOTATOR)
        assignment = services.task_next(project=project, annotator=request.user)
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(AssignmentSerializer(assignment).data)


class AssignmentDetailView(APIView):
    @extend_schema(responses=AssignmentSerializer)
    def get(self, request: Request, assignment_id: int) -> Response:
        return Response(AssignmentSerializer(access_assignment(request.user, assignment_id)).data)


class DraftView(APIView):
    """Autosave: send the ``version`` the draft was based on; a stale one gets 409."""

    @extend_schema(request=DraftSerializer, responses={200: DraftSerializer, 409: DraftSerializer})
    def put(self, request: Request, assignment_id: int) -> Response:
        assignment = access_assignment(request.user, assignment_id, write=True)
        given = DraftSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            version = services.draft_save(
                assignment=assignment,
                version=given.validated_data["version"],
                draft=given.validated_data["draft"],
            )
        except services.DraftConflict as conflict:
            body = {"version": conflict.version, "draft": conflict.draft}
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response({"version": version, "draft": given.validated_data["draft"]})


class SubmitView(APIView):
    """Submit an annotation; the same ``Idempotency-Key`` again returns the same revision."""

    @extend_schema(
        request=SubmitSerializer,
        responses={201: RevisionSerializer, 200: RevisionSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
    )
    def post(self, request: Request, assignment_id: int) -> Response:
        assignment = access_assignment(request.user, assignment_id, write=True)
        given = SubmitSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        time_spent_ms = data.pop("time_spent_ms")
        try:
            revision, created = services.submit(
                assignment=assignment,
                body=data,
                idempotency_key=request.headers.get("Idempotency-Key", "")[:100],
                time_spent_ms=time_spent_ms,
            )
        except AnnotationError as error:
            raise ValidationError(error.as_dict()) from None
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(RevisionSerializer(revision).data, status=code)


class SkipView(APIView):
    @extend_schema(request=SkipSerializer, responses=AssignmentSerializer)
    def post(self, request: Request, assignment_id: int) -> Response:
        assignment = access_assignment(request.user, assignment_id, write=True)
        given = SkipSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        skipped = services.skip(assignment=assignment, reason=given.validated_data["reason"])
        return Response(AssignmentSerializer(skipped).data)


class BatchListView(APIView):
    """A project's batches (任务包) with their sizes and reserved annotators."""

    @extend_schema(responses=BatchSerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.REVIEWER)
        return Response(BatchSerializer(batch_list(project=project), many=True).data)


class BatchAssigneesView(APIView):
    """Reserve a batch for named annotators of its project (managers); [] opens it again."""

    @extend_schema(request=BatchAssigneesSerializer, responses=BatchSerializer)
    def put(self, request: Request, batch_id: int) -> Response:
        batch = access_batch(request.user, batch_id, min_role=Role.MANAGER)
        given = BatchAssigneesSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        names = set(given.validated_data["usernames"])
        annotators = list(
            User.objects.filter(
                username__in=names,
                memberships__project_id=batch.project_id,
                memberships__role=Role.ANNOTATOR,
            )
        )
        unknown = names - {user.username for user in annotators}
        if unknown:
            raise ValidationError(
                {
                    "usernames": [
                        _("Not an annotator of this project: %s") % ", ".join(sorted(unknown))
                    ]
                }
            )
        services.batch_reserve(batch=batch, annotators=annotators)
        return Response(BatchSerializer(batch_list(project=batch.project).get(id=batch.id)).data)


class ProgressView(APIView):
    """Where the work stands, per batch and per annotator (reviewers and managers)."""

    @extend_schema(responses=ProgressSerializer)
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.REVIEWER)
        return Response(ProgressSerializer(work_progress(project=project)).data)
