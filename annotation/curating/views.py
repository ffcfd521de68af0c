from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from annotation.access import access_snippet
from annotation.curating import services
from annotation.curating.selectors import (
    TableFilters,
    snippet_history,
    snippet_table,
    table_count,
    table_page,
    table_rows,
)
from annotation.curating.serializers import (
    ActionSerializer,
    OutcomeSerializer,
    ProjectContentsSerializer,
    TablePageSerializer,
    TableSerializer,
)
from annotation.models import Snippet
from projects.access import access_project
from projects.models import Project, Role


def _filters(data: dict) -> TableFilters:
    """The filters of a validated query; an annotator named by username (one nobody has
    leaves the table empty, as a filter that passes nothing)."""
    annotator = None
    if data.get("annotator"):
        found = User.objects.filter(username=data["annotator"]).values_list("id", flat=True)
        annotator = found.first() or 0
    return TableFilters(
        batch=data.get("batch"),
        import_job=data.get("import_job"),
        state=data.get("state"),
        annotator=annotator,
        label=data.get("label"),
        disagreement=data.get("disagreement"),
        gold=data.get("gold"),
        text=data.get("q", "").strip(),
        sort=data.get("sort", "id"),
    )


class SnippetTableView(APIView):
    """The data table (reviewers and managers): the project's snippets that pass the
    filters, a page at a time, each with where it stands. ``count`` is exact with no
    filter or a batch or import only; other filters count up to 1,000 and say ``more``
    past it."""

    @extend_schema(parameters=[TablePageSerializer], responses=TableSerializer)
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.REVIEWER).project
        given = TablePageSerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        filters = _filters(given.validated_data)
        rows = snippet_table(project=project, filters=filters)
        page, size = given.validated_data["page"], given.validated_data["page_size"]
        count, more = table_count(rows, filters)
        snippets = table_page(rows=rows, offset=(page - 1) * size, limit=size)
        body = {
            "count": count,
            "more": more,
            "page": page,
            "page_size": size,
            "results": table_rows(project=project, snippets=snippets),
        }
        return Response(TableSerializer(body).data)


def _selection(project: Project, data: dict) -> tuple[list[int], list[int]]:
    """The project's snippets an action takes, and the ids named that are none of them."""
    if "snippets" in data:
        named = set(data["snippets"])
        ours = Snippet.objects.filter(project=project, id__in=named).values_list("id", flat=True)
        known = set(ours)
        return sorted(known), sorted(named - known)
    rows: QuerySet[Snippet] = snippet_table(project=project, filters=_filters(data["filter"]))
    ids = list(rows.values_list("id", flat=True)[: services.SELECTION_MAX + 1])
    if len(ids) > services.SELECTION_MAX:
        reason = _("The filter passes more than %(count)s snippets: narrow it.")
        raise ValidationError({"filter": [reason % {"count": services.SELECTION_MAX}]})
    return ids, []


class SnippetActionView(APIView):
    """An action of a manager on snippets named by id or passed by a filter: ``exclude``
    or ``include`` them, ``return`` their work with a ``reason``, ``reassign`` them to an
    ``annotator``, make them ``gold`` (their final annotation the reference) or
    ``ungold``. Answers ``{done: [ids], left: [{snippet, reason}]}``."""

    @extend_schema(request=ActionSerializer, responses=OutcomeSerializer)
    def post(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        given = ActionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        ids, unknown = _selection(project, data)
        action = data["action"]
        if action in ("exclude", "include"):
            outcome = services.snippets_exclude(
                project=project, snippet_ids=ids, excluded=action == "exclude"
            )
        elif action == "return":
            outcome = services.snippets_return(
                project=project, snippet_ids=ids, reason=data["reason"].strip()
            )
        elif action == "reassign":
            # Someone unknown is answered as someone of another project: the answer tells
            # nothing of the accounts there are.
            annotator = User.objects.filter(username=data["annotator"]).first()
            try:
                if annotator is None:
                    raise services.NotAllowed(services.no_tasks_here(data["annotator"]))
                outcome = services.snippets_reassign(
                    project=project, snippet_ids=ids, annotator=annotator
                )
            except services.NotAllowed as refused:
                raise ValidationError({"annotator": [refused.reason]}) from None
        else:
            outcome = services.snippets_gold(
                project=project, snippet_ids=ids, gold=action == "gold", user=request.user
            )
        for snippet_id in unknown:
            outcome.leave(snippet_id, _("No such snippet in this project."))
        return Response(OutcomeSerializer(outcome).data)


class SnippetHistoryView(APIView):
    """One snippet as the item view shows it (reviewers and managers): its article's
    title and neighbouring snippets, every annotator's work with its revisions and
    reviews, the final annotation and each settlement of it, and a gold reference."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, snippet_id: int) -> Response:
        snippet = access_snippet(request.user, snippet_id)
        return Response(snippet_history(snippet=snippet))


class ProjectDeletionView(APIView):
    """What deleting the project would take (GET), and the deletion (POST, 200 with what
    went; 409 with the reason once anyone has worked on it: archive it then). Managers."""

    @extend_schema(responses=ProjectContentsSerializer)
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        return Response(ProjectContentsSerializer(services.project_contents(project=project)).data)

    @extend_schema(request=None, responses={200: None, 409: None})
    def post(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        try:
            gone = services.project_delete(project=project)
        except services.ProjectInUse as refused:
            return Response({"detail": refused.reason}, status=status.HTTP_409_CONFLICT)
        return Response(gone)
