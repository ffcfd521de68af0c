from django.db.models import QuerySet

from accounts.models import User
from projects.access import projects_visible_to
from projects.models import Membership, Project


def project_list(*, user: User) -> QuerySet[Project]:
    """The projects ``user`` belongs to, newest first, each with the user's ``role``."""
    return projects_visible_to(user).prefetch_related("labels").order_by("-id")


def member_list(*, project: Project) -> QuerySet[Membership]:
    return Membership.objects.filter(project=project).select_related("user").order_by("id")
