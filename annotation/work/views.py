from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from annotation import flow
from annotation.access import access_assignment, access_batch
from annotation.core.validation import AnnotationError
from annotation.labels import labels_usage
from annotation.selectors import (
    assignment_before,
    batch_list,
    my_progress,
    returned_counts,
    skip_list,
    work_progress,
)
from annotation.work import services
from annotation.work.serializers import (
    AssignmentSerializer,
    BatchAssigneesSerializer,
    BatchSerializer,
    DraftSerializer,
    LabelUsageSerializer,
    MyProgressSerializer,
    ProgressSerializer,
    ReturnedSerializer,
    RevisionSerializer,
    SkippedSerializer,
    SkipSerializer,
    SubmitResultSerializer,
    SubmitSerializer,
)
from projects.access import access_project
from projects.models import Role

# What an annotator is told when no next task comes for a reason other than the end of
# the work (tasks/next/ answers it as 403; a submit with ?next=1 as its ``no_next``).
_PAUSED = gettext_lazy(
    "You are paused: too few gold items were right. A manager will look at your work and "
    "let you go on."
)
_NO_SEAT = gettext_lazy("You no longer take tasks in this project.")
KEY_MAX_CHARS = 100  # Revision.idempotency_key


def _next_for(user: User, project_id: int) -> Response:
    """The next task of ``user`` in the project as a response; 404/403 for those who may
    not take tasks there."""
    try:
        assignment = services.task_next(project_id=project_id, annotator=user)
    except services.NoSeat:
        access_project(user, project_id, min_role=Role.ANNOTATOR)  # 404 or 403
        raise PermissionDenied(_NO_SEAT) from None  # a member a moment ago, and no longer
    except services.Paused:
        raise PermissionDenied(_PAUSED) from None
    if assignment is None:
        return Response(status=status.HTTP_204_NO_CONTENT)
    return Response(AssignmentSerializer(assignment).data)


class TaskNextView(APIView):
    """The caller's next assignment (200), or 204 when nothing is left for them."""

    @extend_schema(request=None, responses={200: AssignmentSerializer, 204: None})
    def post(self, request: Request, project_id: int) -> Response:
        return _next_for(request.user, project_id)


def _own_body(
    serializer: type[DraftSerializer | SubmitSerializer], request: Request, assignment_id: int
) -> dict:
    """The validated body of a write to the caller's own assignment. A body that does not
    validate goes through the access funnel first: strangers get 404, not the reasons."""
    given = serializer(data=request.data)
    if not given.is_valid():
        access_assignment(request.user, assignment_id, write=True)
        raise ValidationError(given.errors)
    return dict(given.validated_data)


class AssignmentDetailView(APIView):
    @extend_schema(responses=AssignmentSerializer)
    def get(self, request: Request, assignment_id: int) -> Response:
        return Response(AssignmentSerializer(access_assignment(request.user, assignment_id)).data)


class AssignmentPreviousView(APIView):
    """The work its annotator submitted just before this assignment (200), or 204 at the
    first: the workspace's "previous". A new submit to it adds a revision."""

    @extend_schema(responses={200: AssignmentSerializer, 204: None})
    def get(self, request: Request, assignment_id: int) -> Response:
        before = assignment_before(access_assignment(request.user, assignment_id))
        if before is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(AssignmentSerializer(before).data)


class DraftView(APIView):
    """Autosave: send the ``version`` the draft was based on; a stale one gets 409 with
    what is stored now."""

    @extend_schema(request=DraftSerializer, responses={200: DraftSerializer, 409: DraftSerializer})
    def put(self, request: Request, assignment_id: int) -> Response:
        given = _own_body(DraftSerializer, request, assignment_id)
        version, draft = given["version"], given["draft"]
        saved = services.draft_save(
            annotator=request.user, assignment_id=assignment_id, version=version, draft=draft
        )
        if saved is None:
            stored = access_assignment(request.user, assignment_id, write=True)  # 404 or 403
            body = {"version": stored.version, "draft": stored.draft}
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response({"version": saved, "draft": draft})


_NO_NEXT = {
    services.NoNext.NOTHING_LEFT: None,
    services.NoNext.PAUSED: _PAUSED,
    services.NoNext.NO_SEAT: _NO_SEAT,
}


class SubmitView(APIView):
    """Submit an annotation; the same ``Idempotency-Key`` again returns the same revision.

    With ``?next=1`` the answer also carries the caller's next task as ``next``, saving
    the browser a round trip between snippets. When none comes, ``next`` is null and
    ``no_next`` says why (``nothing_left``, ``paused``, ``no_seat``) with
    ``no_next_detail`` to show: what was stored stays stored, and the answer is 201 (or
    200 for a retry) whatever the claim met.
    """

    @extend_schema(
        request=SubmitSerializer,
        responses={201: SubmitResultSerializer, 200: SubmitResultSerializer},
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER),
            OpenApiParameter("next", bool, description="Also hand out the next task."),
        ],
    )
    def post(self, request: Request, assignment_id: int) -> Response:
        data = _own_body(SubmitSerializer, request, assignment_id)
        time_spent_ms = data.pop("time_spent_ms")
        then_next = request.query_params.get("next") in ("1", "true")
        key = request.headers.get("Idempotency-Key", "")
        if len(key) > KEY_MAX_CHARS:  # cut, two keys sharing a prefix would be one
            raise ValidationError(
                {"Idempotency-Key": [_("At most %(count)s characters.") % {"count": KEY_MAX_CHARS}]}
            )
        try:
            result = flow.submit(
                annotator=request.user,
                assignment_id=assignment_id,
                body=data,
                idempotency_key=key,
                time_spent_ms=time_spent_ms,
                then_next=then_next,
            )
        except AnnotationError as error:
            raise ValidationError(error.as_dict(_)) from None
        if result is None:
            access_assignment(request.user, assignment_id, write=True)  # 404 or 403
            raise Http404  # it was theirs a moment ago, and no longer is
        body = RevisionSerializer(result.revision).data
        if then_next:
            following = result.following
            body["next"] = None if following is None else AssignmentSerializer(following).data
            body["no_next"] = result.no_next and result.no_next.value
            detail = _NO_NEXT.get(result.no_next) if result.no_next else None
            body["no_next_detail"] = None if detail is None else str(detail)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(body, status=code)


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
        project = access_project(request.user, project_id, min_role=Role.REVIEWER).project
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
        project = access_project(request.user, project_id, min_role=Role.REVIEWER).project
        return Response(ProgressSerializer(work_progress(project=project)).data)


class LabelUsageView(APIView):
    """How many annotators' latest works use each label of the project (managers):
    ``[{kind, name, works}]``, what renaming, merging or deleting a label changes; the
    settings tab asks before a change that touches any."""

    @extend_schema(responses=LabelUsageSerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        used = labels_usage(project=project)
        rows = [
            {"kind": kind, "name": name, "works": count} for (kind, name), count in used.items()
        ]
        rows.sort(key=lambda row: (row["kind"], row["name"] or ""))
        return Response(LabelUsageSerializer(rows, many=True).data)


class MyReturnedView(APIView):
    """Work out for rework, per project of the caller: ``[{project, mine, all}]`` (only
    projects with some): returned to them, and, where they review or manage, all of it."""

    @extend_schema(responses=ReturnedSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(ReturnedSerializer(returned_counts(user=request.user), many=True).data)


class SkipListView(generics.ListAPIView):
    """The slots annotators gave back, newest first, with their reasons and how many
    annotations each snippet has (managers): a snippet nobody is left to take does not
    hold its batch back, and waits here for the manager."""

    serializer_class = SkippedSerializer

    def get_queryset(self):
        project = access_project(
            self.request.user, self.kwargs["project_id"], min_role=Role.MANAGER
        ).project
        return skip_list(project=project)


class MyProgressView(APIView):
    """The caller's own progress: done today, and what is left of a batch (``?batch=id``)."""

    @extend_schema(
        responses=MyProgressSerializer,
        parameters=[OpenApiParameter("batch", int, description="A batch of the project.")],
    )
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.ANNOTATOR).project
        batch = request.query_params.get("batch", "")
        progress = my_progress(
            project=project,
            annotator=request.user,
            batch_id=int(batch) if batch.isdigit() else None,
        )
        return Response(MyProgressSerializer(progress).data)
