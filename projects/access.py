"""The one funnel for project-scoped reads: every view that touches a project calls it.

A user who is not a member of the project gets ``Http404`` (the project's existence is not
revealed); a member whose role is too low gets ``PermissionDenied`` (403).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.http import Http404

from accounts.models import User
from projects.models import Membership, Project, Role

# Roles ordered by what they may see of a project: a manager may do what a reviewer may, a
# reviewer what an annotator may. Clients see only delivered work, so they rank lowest.
ROLE_RANK = {Role.CLIENT: 0, Role.ANNOTATOR: 1, Role.REVIEWER: 2, Role.MANAGER: 3}


def projects_visible_to(user: User) -> QuerySet[Project]:
    """Projects the user is a member of, each annotated with the user's ``role``.

    Superusers see every project, as managers.
    """
    if not user.is_authenticated or not user.is_active:
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.annotate(role=Value(Role.MANAGER.value))
    return Project.objects.annotate(role=role_in(user, "pk")).filter(role__isnull=False)


def role_in(user: User, project_field: str) -> Subquery:
    """The user's role in the project that ``project_field`` of the outer query names
    (None when not a member), for annotating a query with the caller's role."""
    role = Membership.objects.filter(project=OuterRef(project_field), user=user)
    return Subquery(role.values("role")[:1])


@dataclass(frozen=True)
class ProjectAccess:
    """A project as the funnel found it for a caller, and the caller's role in it."""

    project: Project
    role: Role


def access_project(
    user: User, project_id: object, *, min_role: Role | None = None
) -> ProjectAccess:
    """The project and the caller's role if ``user`` is a member with at least
    ``min_role``; one query.

    Raises Http404 for non-members and unknown ids, PermissionDenied for members below
    ``min_role``.
    """
    try:
        pk = int(str(project_id))
    except ValueError:
        raise Http404 from None
    project = projects_visible_to(user).filter(pk=pk).first()
    if project is None:
        raise Http404
    role = Role(getattr(project, "role"))  # noqa: B009 - the query's annotation
    if min_role is not None and ROLE_RANK[role] < ROLE_RANK[min_role]:
        raise PermissionDenied
    return ProjectAccess(project, role)
