from django.contrib.auth.models import Permission
from django.db import transaction

from accounts.models import User

# The right to create projects is Django's model permission on projects.Project; it is
# named by string so that accounts does not import projects.
CREATE_PROJECTS_PERMISSION = ("projects", "add_project")


@transaction.atomic
def user_ensure(
    *, username: str, password: str, is_staff: bool = False, can_create_projects: bool = False
) -> tuple[User, bool]:
    """Create the user, or bring an existing one to the given password and rights.

    Idempotent: a second call with the same arguments writes nothing.
    Returns the user and whether it was created.
    """
    user, created = User.objects.get_or_create(username=username)
    changed = []
    if created or not user.check_password(password):
        user.set_password(password)
        changed.append("password")
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        changed.append("is_staff")
    if changed:
        user.save(update_fields=changed)
    if can_create_projects:
        app_label, codename = CREATE_PROJECTS_PERMISSION
        permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        user.user_permissions.add(permission)
    return user, created


def token_for_user(*, user: User) -> str:
    """The user's API token, created on first use. Idempotent: one token per user."""
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def token_replace(*, user: User) -> str:
    """A new API token for the user; the old one stops working at once."""
    from rest_framework.authtoken.models import Token

    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user).key
