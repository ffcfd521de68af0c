from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, Throttled, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from annotation.access import access_acceptance, access_quality_run
from annotation.admission import TooManyJobs
from annotation.core.validation import AnnotationError, validate
from annotation.models import AcceptanceItem, GoldItem, ReviewStatus, Snippet
from annotation.quality.acceptance import AcceptanceRefused, acceptance_mark, acceptance_start
from annotation.quality.finals import finals_read
from annotation.quality.gold import gold_remove, gold_resume, gold_set
from annotation.quality.judgements import adjudication_view, disagreements
from annotation.quality.reviewing import (
    OwnWork,
    ReviewConflict,
    adjudication_settle,
    review_decide,
)
from annotation.quality.selectors import (
    acceptance_latest,
    gold_accuracy,
    gold_list,
    qualification,
    quality_run_list,
    review_list,
)
from annotation.quality.serializers import (
    AcceptanceMarkSerializer,
    AcceptanceSerializer,
    AcceptanceStartSerializer,
    AdjudicationSerializer,
    DisagreementPageSerializer,
    GoldAccuracySerializer,
    GoldItemSerializer,
    GoldResumeSerializer,
    GoldSetSerializer,
    QualificationSerializer,
    QualityRunSerializer,
    QualityRunSummarySerializer,
    ReviewDecisionSerializer,
    ReviewSerializer,
)
from annotation.quality.services import quality_run_start
from annotation.work.serializers import AnnotationBodySerializer
from annotation.work.services import schema_of
from projects.access import access_project
from projects.models import Project, Role

RECENT_RUNS = 50


class QualityRunListView(APIView):
    """A project's quality runs, newest first (reviewers and managers); POST starts one."""

    @extend_schema(responses=QualityRunSummarySerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.REVIEWER).project
        runs = quality_run_list(project=project).select_related("created_by")[:RECENT_RUNS]
        return Response(QualityRunSummarySerializer(runs, many=True).data)

    @extend_schema(request=None, responses={202: QualityRunSerializer, 200: QualityRunSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        """Queue a run (202); while one is still waiting to start, that one is returned (200)."""
        project = access_project(request.user, project_id, min_role=Role.REVIEWER).project
        try:
            run, created = quality_run_start(project=project, user=request.user)
        except TooManyJobs as refused:
            raise Throttled(detail=refused.reason) from None
        run.refresh_from_db()
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(QualityRunSerializer(run).data, status=code)


class QualityRunDetailView(APIView):
    @extend_schema(responses=QualityRunSerializer)
    def get(self, request: Request, run_id: int) -> Response:
        return Response(QualityRunSerializer(access_quality_run(request.user, run_id)).data)


OWN_WORK = gettext_lazy(
    "You annotated this snippet: its review and adjudication are for someone else."
)


def _review_of(request: Request, project_id: int, review_id: int):
    project = access_project(request.user, project_id, min_role=Role.REVIEWER).project
    review = review_list(project=project).filter(id=review_id).first()
    if review is None:
        raise Http404
    return review


class ReviewListView(generics.ListAPIView):
    """The review queue (质检) of a project, oldest first (reviewers and managers).

    Narrow it with ``?status=pending|accepted|rejected``, ``?batch=id``, ``?annotator=name``.
    The pending queue leaves out the work on snippets the asker annotated: nobody reviews
    their own work.
    """

    serializer_class = ReviewSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=ReviewStatus.values),
            OpenApiParameter("batch", int),
            OpenApiParameter("annotator", str),
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        project = access_project(
            self.request.user, self.kwargs["project_id"], min_role=Role.REVIEWER
        ).project
        query = self.request.query_params
        status_wanted = query.get("status", "")
        if status_wanted and status_wanted not in ReviewStatus.values:
            raise ValidationError({"status": [_("Not a review status.")]})
        batch = query.get("batch", "")
        return review_list(
            project=project,
            status=status_wanted,
            batch_id=int(batch) if batch.isdigit() else None,
            annotator=query.get("annotator", ""),
            reviewer=self.request.user if status_wanted == ReviewStatus.PENDING else None,
        )


class ReviewDetailView(APIView):
    @extend_schema(responses=ReviewSerializer)
    def get(self, request: Request, project_id: int, review_id: int) -> Response:
        return Response(ReviewSerializer(_review_of(request, project_id, review_id)).data)


class ReviewDecisionView(APIView):
    """Accept, or reject with a reason (the work goes back to its annotator). The same
    decision again is answered as the first was; a different one gets 409."""

    @extend_schema(request=ReviewDecisionSerializer, responses={200: ReviewSerializer, 409: None})
    def post(self, request: Request, project_id: int, review_id: int) -> Response:
        review = _review_of(request, project_id, review_id)
        given = ReviewDecisionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            review_decide(
                review_id=review.id,
                reviewer=request.user,
                accept=given.validated_data["decision"] == "accept",
                reason=given.validated_data["reason"],
            )
        except ReviewConflict:
            body = ReviewSerializer(_review_of(request, project_id, review_id)).data
            return Response(body, status=status.HTTP_409_CONFLICT)
        except OwnWork:
            raise PermissionDenied(OWN_WORK) from None
        return Response(ReviewSerializer(_review_of(request, project_id, review_id)).data)


class QualificationView(APIView):
    """Qualification rates (合格率) per batch and per annotator, from first-round reviews."""

    @extend_schema(responses=QualificationSerializer)
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.REVIEWER).project
        return Response(QualificationSerializer(qualification(project=project)).data)


def _acceptance_body(batch) -> dict | None:
    acceptance = acceptance_latest(batch=batch)
    if acceptance is None:
        return None
    snippet_ids = [item.snippet_id for item in acceptance.items.all()]
    context = {"annotations": finals_read(snippet_ids)}
    return AcceptanceSerializer(acceptance, context=context).data


class AcceptanceView(APIView):
    """A batch's acceptance check (验收): the latest one (204 before any), or POST to open
    one (clients and managers; the batch must await acceptance)."""

    @extend_schema(responses={200: AcceptanceSerializer, 204: None})
    def get(self, request: Request, batch_id: int) -> Response:
        body = _acceptance_body(access_acceptance(request.user, batch_id))
        if body is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(body)

    @extend_schema(
        request=AcceptanceStartSerializer,
        responses={201: AcceptanceSerializer, 200: AcceptanceSerializer, 409: None},
    )
    def post(self, request: Request, batch_id: int) -> Response:
        """Open a check (201); while one is open, that one is answered (200)."""
        batch = access_acceptance(request.user, batch_id, write=True)
        given = AcceptanceStartSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            _, created = acceptance_start(
                batch_id=batch.id, user=request.user, size=given.validated_data.get("size")
            )
        except AcceptanceRefused as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(_acceptance_body(batch), status=code)


class AcceptanceItemView(APIView):
    """Mark a sampled item right or wrong; the last mark decides the check (409 once
    decided). Answers with the whole check."""

    @extend_schema(request=AcceptanceMarkSerializer, responses={200: AcceptanceSerializer})
    def put(self, request: Request, batch_id: int, item_id: int) -> Response:
        batch = access_acceptance(request.user, batch_id, write=True)
        item = AcceptanceItem.objects.filter(id=item_id, acceptance__batch=batch).first()
        if item is None:
            raise Http404
        given = AcceptanceMarkSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            acceptance_mark(item_id=item.id, user=request.user, **given.validated_data)
        except AcceptanceRefused as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        batch.refresh_from_db()
        return Response(_acceptance_body(batch))


def _checked(project: Project, snippet: Snippet, body: dict) -> dict:
    """The body as an annotation of the snippet (as a submit is checked), or 400 naming
    what does not fit."""
    try:
        return validate(snippet.text, schema_of(project.id, project.updated_at), body)
    except AnnotationError as error:
        raise ValidationError(error.as_dict(_)) from None


class GoldListView(APIView):
    """A project's gold items with how often annotators got them right (reviewers and
    managers); POST makes a snippet gold with its reference annotation (managers)."""

    @extend_schema(responses=GoldItemSerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.REVIEWER).project
        return Response(GoldItemSerializer(gold_list(project=project), many=True).data)

    @extend_schema(request=GoldSetSerializer, responses={201: GoldItemSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        given = GoldSetSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        snippet = Snippet.objects.filter(project=project, id=data.pop("snippet")).first()
        if snippet is None:
            raise ValidationError({"snippet": [_("Not a snippet of this project.")]})
        annotation = _checked(project, snippet, data)
        gold = gold_set(project=project, snippet=snippet, annotation=annotation, user=request.user)
        body = GoldItemSerializer(gold_list(project=project).get(id=gold.id)).data
        return Response(body, status=status.HTTP_201_CREATED)


class GoldDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, project_id: int, gold_id: int) -> Response:
        """The snippet is an ordinary one again (managers)."""
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        gold = GoldItem.objects.filter(project=project, id=gold_id).first()
        if gold is None:
            raise Http404
        gold_remove(gold=gold)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GoldAccuracyView(APIView):
    """Each annotator's accuracy on gold items, flagged below the project's minimum."""

    @extend_schema(responses=GoldAccuracySerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.REVIEWER).project
        return Response(GoldAccuracySerializer(gold_accuracy(project=project), many=True).data)


class GoldResumeView(APIView):
    """Let a paused annotator take tasks again (managers)."""

    @extend_schema(request=GoldResumeSerializer, responses={204: None})
    def post(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        given = GoldResumeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        user = User.objects.filter(
            username=given.validated_data["username"], memberships__project=project
        ).first()
        if user is None:
            raise ValidationError({"username": [_("Not a member of this project.")]})
        gold_resume(project=project, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DisagreementListView(APIView):
    """Snippets whose annotators disagree, to adjudicate (reviewers and managers), fifty at
    a time in snippet order: ``?batch=id``, and ``?after=`` the last page's ``next_after``."""

    @extend_schema(
        operation_id="v1_projects_adjudications_list",
        parameters=[OpenApiParameter("batch", int), OpenApiParameter("after", int)],
        responses=DisagreementPageSerializer,
    )
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.REVIEWER).project
        batch, after = request.query_params.get("batch", ""), request.query_params.get("after", "")
        page = disagreements(
            project=project,
            batch_id=int(batch) if batch.isdigit() else None,
            after=int(after) if after.isdigit() else 0,
        )
        return Response(page)


def _side_by_side(project: Project, snippet: Snippet) -> dict:
    """The adjudication page's snippet, with what it delivers now: the page starts from
    that (annotation.quality.finals), not from a rule of its own."""
    body = adjudication_view(project=project, snippet=snippet)
    body["delivered"] = finals_read([snippet.id]).get(snippet.id)
    return body


class AdjudicationView(APIView):
    """One snippet side by side (GET), and its final annotation settled (PUT, with the
    body of a submit); reviewers and managers."""

    def _snippet(self, request: Request, project_id: int, snippet_id: int):
        project = access_project(request.user, project_id, min_role=Role.REVIEWER).project
        snippet = Snippet.objects.filter(project=project, id=snippet_id).first()
        if snippet is None:
            raise Http404
        return project, snippet

    @extend_schema(responses=AdjudicationSerializer)
    def get(self, request: Request, project_id: int, snippet_id: int) -> Response:
        project, snippet = self._snippet(request, project_id, snippet_id)
        return Response(_side_by_side(project, snippet))

    @extend_schema(request=AnnotationBodySerializer, responses=AdjudicationSerializer)
    def put(self, request: Request, project_id: int, snippet_id: int) -> Response:
        project, snippet = self._snippet(request, project_id, snippet_id)
        given = AnnotationBodySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        annotation = _checked(project, snippet, given.validated_data)
        try:
            adjudication_settle(
                project_id=project.id,
                snippet_id=snippet.id,
                annotation=annotation,
                user=request.user,
            )
        except OwnWork:
            raise PermissionDenied(OWN_WORK) from None
        return Response(_side_by_side(project, snippet))
