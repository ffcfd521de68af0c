"""The access funnel: the project and the caller's role as a typed value."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from projects.access import ProjectAccess, access_project
from projects.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("actor", ["manager", "reviewer", "annotator", "client"])
def test_a_member_gets_the_project_and_their_role(project, members, actor):
    access = access_project(members[actor], project.id)

    assert isinstance(access, ProjectAccess)
    assert access.project.id == project.id and access.role is Role(actor)


def test_a_superuser_is_a_manager_everywhere(project):
    access = access_project(UserFactory(username="root", is_superuser=True), project.id)

    assert access.role is Role.MANAGER


def test_below_the_role_asked_is_403_and_outside_404(project, members):
    with pytest.raises(PermissionDenied):
        access_project(members["annotator"], project.id, min_role=Role.REVIEWER)
    for stranger, project_id in ((members["outsider"], project.id), (members["manager"], "x")):
        with pytest.raises(Http404):
            access_project(stranger, project_id)
