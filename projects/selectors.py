from django.db.models import OuterRef, Q, QuerySet, Subquery

from accounts.models import User
from projects.access import projects_visible_to
from projects.models import Membership, Project


def project_list(*, user: User) -> QuerySet[Project]:
    """The projects ``user`` belongs to, newest first, each with the user's ``role``."""
    return projects_visible_to(user).prefetch_related("labels").order_by("-id")


def member_list(*, project: Project) -> QuerySet[Membership]:
    return Membership.objects.filter(project=project).select_related("user").order_by("id")


def users_enrollable(*, by: User) -> QuerySet[User]:
    """The active users ``by`` may add to a project they manage.

    Site staff, who make the accounts, may add anyone. A manager may add the people they
    already share a project with, and accounts that belong to no project yet (made by
    staff for a team to take in); not the other users of the site, whom they have no
    business finding or enrolling.
    """
    active = User.objects.filter(is_active=True)
    if by.is_staff or by.is_superuser:
        return active
    shared = Membership.objects.filter(project__memberships__user=by).values("user_id")
    return active.filter(Q(id__in=shared) | Q(memberships__isnull=True)).distinct()


CANDIDATES_SHOWN = 20


def member_candidates(*, project: Project, by: User, search: str) -> QuerySet[User]:
    """The users ``by`` may add whose username or display name holds ``search``, each
    with ``role``: theirs in ``project``, or None."""
    users = users_enrollable(by=by)
    if search:
        users = users.filter(Q(username__icontains=search) | Q(display_name__icontains=search))
    role = Membership.objects.filter(project=project, user=OuterRef("pk")).values("role")[:1]
    return users.annotate(role=Subquery(role)).order_by("username")[:CANDIDATES_SHOWN]
