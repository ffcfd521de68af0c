from django.core.exceptions import ValidationError as ModelValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.selectors import user_can_create_projects
from projects.access import access_project
from projects.models import Role
from projects.selectors import member_candidates, member_list, project_list, users_enrollable
from projects.serializers import CandidateSerializer, MemberSerializer, ProjectSerializer
from projects.services import (
    membership_remove,
    memberships_set,
    project_create,
    project_update,
)


class ProjectListView(generics.ListAPIView):
    """The caller's projects; site staff and project creators may create one, also from a
    project they manage as a template (``template``: its id; its set-up and labels, not its
    people or data)."""

    serializer_class = ProjectSerializer

    def get_queryset(self):
        return project_list(user=self.request.user)

    @extend_schema(request=ProjectSerializer, responses={201: ProjectSerializer})
    def post(self, request: Request) -> Response:
        if not user_can_create_projects(request.user):
            raise PermissionDenied(_("You may not create projects."))
        given = ProjectSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        template = None
        if "template" in request.data:  # a project the caller manages, as a template
            template_id = str(request.data.get("template"))
            if not template_id.isdigit() or len(template_id) > 18:
                raise ValidationError({"template": [_("A project's id.")]})
            template = access_project(request.user, int(template_id), min_role=Role.MANAGER)
        created = project_create(
            creator=request.user,
            template=template.project if template else None,
            **given.validated_data,
        )
        project = access_project(request.user, created.id).project  # with the caller's role
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailView(APIView):
    @extend_schema(responses=ProjectSerializer)
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id).project
        return Response(ProjectSerializer(project).data)

    @extend_schema(request=ProjectSerializer, responses=ProjectSerializer)
    def patch(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        given = ProjectSerializer(project, data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        project = project_update(project=project, **given.validated_data)
        return Response(ProjectSerializer(project).data)


def _model_error(error: ModelValidationError) -> ValidationError:
    return ValidationError({"detail": error.messages})


MEMBERS_AT_ONCE = 500


class MemberListView(APIView):
    """The project's members (managers): list, add or change roles. POST takes one
    ``{username, role}`` or a list of them, all or none. A manager adds the users
    projects.selectors.users_enrollable lets them."""

    @extend_schema(responses=MemberSerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        return Response(MemberSerializer(member_list(project=project), many=True).data)

    @extend_schema(request=MemberSerializer, responses=MemberSerializer)
    def post(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        many = isinstance(request.data, list)
        if many and len(request.data) > MEMBERS_AT_ONCE:
            reason = _("At most %(count)s members at once.") % {"count": MEMBERS_AT_ONCE}
            raise ValidationError({"detail": reason})
        given = MemberSerializer(data=request.data, many=many)
        given.is_valid(raise_exception=True)
        asked = given.validated_data if many else [given.validated_data]
        names = [item["user"]["username"] for item in asked]
        users = {
            user.username: user
            for user in users_enrollable(by=request.user).filter(username__in=names)
        }
        unknown = [name for name in dict.fromkeys(names) if name not in users]
        if unknown:  # the same answer whether a user is not there or not theirs
            reason = _("No active user you may add is called %s.")
            raise ValidationError({"username": [reason % name for name in unknown]})
        try:
            memberships = memberships_set(
                project=project,
                members=[(users[item["user"]["username"]], Role(item["role"])) for item in asked],
            )
        except ModelValidationError as error:
            raise _model_error(error) from None
        body = MemberSerializer(memberships, many=True).data
        return Response(body if many else body[0], status=status.HTTP_200_OK)


class MemberCandidatesView(APIView):
    """The users a manager may add whose username or display name holds ``?q=`` (twenty
    at most, by username), each with their ``role`` here if they have one."""

    @extend_schema(responses=CandidateSerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        found = member_candidates(
            project=project, by=request.user, search=request.query_params.get("q", "")[:150]
        )
        return Response(CandidateSerializer(found, many=True).data)


class MemberDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, project_id: int, user_id: int) -> Response:
        project = access_project(request.user, project_id, min_role=Role.MANAGER).project
        user = get_object_or_404(User, id=user_id, memberships__project=project)
        try:
            membership_remove(project=project, user=user)
        except ModelValidationError as error:
            raise _model_error(error) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
