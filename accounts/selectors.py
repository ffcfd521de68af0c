from accounts.models import User
from accounts.services import CREATE_PROJECTS_PERMISSION


def user_can_create_projects(user: User) -> bool:
    """Site staff and holders of projects.add_project may create projects."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_staff or user.has_perm(".".join(CREATE_PROJECTS_PERMISSION))
