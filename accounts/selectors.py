from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.services import CREATE_PROJECTS_PERMISSION


def user_can_create_projects(user: User) -> bool:
    """Site staff and holders of projects.add_project may create projects."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_staff or user.has_perm(".".join(CREATE_PROJECTS_PERMISSION))


def user_list(*, search: str = "", active: bool | None = None) -> QuerySet[User]:
    """The site's accounts, by username; ``search`` in the username or the display name."""
    users = User.objects.order_by("username")
    if search:
        users = users.filter(Q(username__icontains=search) | Q(display_name__icontains=search))
    if active is not None:
        users = users.filter(is_active=active)
    return users
