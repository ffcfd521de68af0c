from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import token_key
from accounts.models import User
from annotation.access import access_assignment, access_batch
from annotation.selectors import assignment_before, batch_list, my_progress, work_progress
from annotation.work import services
from annotation.work.serializers import (
    AssignmentSerializer,
    BatchAssigneesSerializer,
    BatchSerializer,
    DraftSerializer,
    MyProgressSerializer,
    ProgressSerializer,
    RevisionSerializer,
    SkipSerializer,
    SubmitResultSerializer,
    SubmitSerializer,
)
from annotation.work.validation import AnnotationError
from projects.access import access_project
from projects.models import Role


class TokenInStatement(APIView):
    """A view whose common case checks the caller's API token in its own statement.

    A request that carries ``Authorization: Token <key>`` (and no session cookie) is not
    authenticated before the handler runs (throttles still run, and a throttle that asks
    for the user authenticates it): the handler gives ``self.token`` to its
    statement, which applies only for that token's user. When it does not apply, the
    handler calls ``authenticated`` and goes on as any view, so that every answer (401,
    403, 404, 409) is the one DRF and the access funnel give.
    """

    token: str | None = None

    def initial(self, request: Request, *args, **kwargs) -> None:
        self.token = token_key(request)
        super().initial(request, *args, **kwargs)

    def perform_authentication(self, request: Request) -> None:
        if self.token is None:
            super().perform_authentication(request)

    def check_permissions(self, request: Request) -> None:
        if self.token is None:
            super().check_permissions(request)

    def plain(
        self, serializer: type[DraftSerializer | SubmitSerializer], request: Request
    ) -> dict | None:
        """The body as ``serializer.plain`` reads it; a body that does not parse
        authenticates first: a stranger gets 401 or 403, not the parse error."""
        try:
            return serializer.plain(request.data)
        except ParseError:
            self.authenticated(request)
            raise

    def authenticated(self, request: Request) -> None:
        """What ``initial`` left to the statement, for a request it did not apply to."""
        if self.token is not None:
            self.token = None
            self.perform_authentication(request)
            self.check_permissions(request)


def _next_for(user: User, project_id: int) -> Response:
    """The next task of ``user`` in the project as a response; 404/403 for those who may
    not take tasks there."""
    try:
        assignment = services.task_next(project_id=project_id, annotator=user)
    except services.NoSeat:
        access_project(user, project_id, min_role=Role.ANNOTATOR)  # 404 or 403
        raise PermissionDenied from None  # a member a moment ago, and no longer
    except services.Paused:
        raise PermissionDenied(
            _(
                "You are paused: too few gold items were right. A manager will look at your "
                "work and let you go on."
            )
        ) from None
    if assignment is None:
        return Response(status=status.HTTP_204_NO_CONTENT)
    return Response(AssignmentSerializer(assignment).data)


class TaskNextView(TokenInStatement):
    """The caller's next assignment (200), or 204 when nothing is left for them.

    With an API token, the common case checks the token in the claim's own statement
    (services.task_next_by_token).
    """

    @extend_schema(request=None, responses={200: AssignmentSerializer, 204: None})
    def post(self, request: Request, project_id: int) -> Response:
        if self.token is not None:
            claimed = services.task_next_by_token(project_id=project_id, token=self.token)
            if claimed is not None:
                return Response(AssignmentSerializer(claimed).data)
            self.authenticated(request)
        return _next_for(request.user, project_id)


def _own_body(
    serializer: type[DraftSerializer | SubmitSerializer], request: Request, assignment_id: int
) -> dict:
    """The validated body of a write to the caller's own assignment. A body that does not
    validate goes through the access funnel first: strangers get 404, not the reasons."""
    plain = serializer.plain(request.data)
    if plain is not None:
        return plain
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


class DraftView(TokenInStatement):
    """Autosave: send the ``version`` the draft was based on; a stale one gets 409.

    With an API token, the common case is one statement: the compare-and-set checks the
    token too (services.draft_save_by_token).
    """

    @extend_schema(request=DraftSerializer, responses={200: DraftSerializer, 409: DraftSerializer})
    def put(self, request: Request, assignment_id: int) -> Response:
        if self.token is not None:
            plain = self.plain(DraftSerializer, request)
            if plain is not None:
                saved = services.draft_save_by_token(
                    token=self.token, assignment_id=assignment_id, **plain
                )
                if saved is not None:
                    return Response({"version": saved, "draft": plain["draft"]})
            self.authenticated(request)
        given = _own_body(DraftSerializer, request, assignment_id)
        version, draft = given["version"], given["draft"]
        saved = services.draft_save_own(
            annotator=request.user, assignment_id=assignment_id, version=version, draft=draft
        )
        if saved is None:
            assignment = access_assignment(request.user, assignment_id, write=True)
            try:
                saved = services.draft_save(assignment=assignment, version=version, draft=draft)
            except services.DraftConflict as conflict:
                body = {"version": conflict.version, "draft": conflict.draft}
                return Response(body, status=status.HTTP_409_CONFLICT)
        return Response({"version": saved, "draft": draft})


class SubmitView(TokenInStatement):
    """Submit an annotation; the same ``Idempotency-Key`` again returns the same revision.

    With ``?next=1`` the answer also carries the caller's next task as ``next`` (null when
    nothing is left), saving the browser a round trip between snippets. With an API
    token, the common case checks the token in the submit's own statement
    (services.submit_by_token).
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
        given = {
            "assignment_id": assignment_id,
            "idempotency_key": request.headers.get("Idempotency-Key", "")[:100],
            "then_next": request.query_params.get("next") in ("1", "true"),
        }
        if self.token is not None:
            plain = self.plain(SubmitSerializer, request)
            if plain is not None:
                time_spent_ms = plain.pop("time_spent_ms")
                result = services.submit_by_token(
                    token=self.token, body=plain, time_spent_ms=time_spent_ms, **given
                )
                if result is not None:
                    return self.answer(request, result, given["then_next"])
            self.authenticated(request)
        data = _own_body(SubmitSerializer, request, assignment_id)
        time_spent_ms = data.pop("time_spent_ms")
        try:
            result = services.submit(
                annotator=request.user, body=data, time_spent_ms=time_spent_ms, **given
            )
        except AnnotationError as error:
            raise ValidationError(error.as_dict(_)) from None
        if result is None:
            access_assignment(request.user, assignment_id, write=True)  # 404 or 403
            raise Http404  # it was theirs a moment ago, and no longer is
        return self.answer(request, result, given["then_next"])

    def answer(self, request: Request, result: services.Submitted, then_next: bool) -> Response:
        body = RevisionSerializer(result.revision).data
        if result.following is not None:
            body["next"] = AssignmentSerializer(result.following).data
        elif then_next:  # on the token's path, request.user authenticates here
            following = _next_for(request.user, result.project_id)
            body["next"] = following.data if following.status_code == 200 else None
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


class MyProgressView(APIView):
    """The caller's own progress: done today, and what is left of a batch (``?batch=id``)."""

    @extend_schema(
        responses=MyProgressSerializer,
        parameters=[OpenApiParameter("batch", int, description="A batch of the project.")],
    )
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.ANNOTATOR)
        batch = request.query_params.get("batch", "")
        progress = my_progress(
            project=project,
            annotator=request.user,
            batch_id=int(batch) if batch.isdigit() else None,
        )
        return Response(MyProgressSerializer(progress).data)
