from django.db import transaction

from accounts.models import User
from projects.models import Membership, Project, Role


@transaction.atomic
def project_create(
    *, creator: User, name: str, description: str = "", guidelines: str = ""
) -> Project:
    """Create a project; its creator becomes its manager. The caller checks the right."""
    project = Project.objects.create(
        name=name, description=description, guidelines=guidelines, created_by=creator
    )
    Membership.objects.create(project=project, user=creator, role=Role.MANAGER)
    project.role = Role.MANAGER.value
    return project


@transaction.atomic
def membership_set(*, project: Project, user: User, role: Role) -> Membership:
    """Give ``user`` the ``role`` in ``project``, replacing any role held. Idempotent."""
    membership, created = Membership.objects.get_or_create(
        project=project, user=user, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership
