"""Two managers changing each other at the same moment leave the project with a manager
(found by an attacker's probe: 8 of 15 trials left none). Row locks: PostgreSQL only."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from projects.models import Membership, Role
from projects.services import membership_remove, membership_set
from tests.factories import MembershipFactory, ProjectFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _at_once(*calls):
    """Run the calls in threads released together; return what each raised (or None)."""
    start = threading.Barrier(len(calls))
    raised: list = [None] * len(calls)

    def run(index, call):
        try:
            start.wait()
            call()
        except Exception as error:  # noqa: BLE001 - returned to the test
            raised[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return raised


@pytest.mark.parametrize("change", ["demote", "remove"])
def test_two_managers_changing_each_other_at_once_leave_one(change):
    for _ in range(10):
        project = ProjectFactory()
        a = MembershipFactory(project=project, role=Role.MANAGER).user
        b = MembershipFactory(project=project, role=Role.MANAGER).user

        def against(user, project=project):
            if change == "demote":
                return lambda: membership_set(project=project, user=user, role=Role.ANNOTATOR)
            return lambda: membership_remove(project=project, user=user)

        raised = _at_once(against(a), against(b))

        managers = Membership.objects.filter(project=project, role=Role.MANAGER).count()
        assert managers == 1, raised
        assert sum(isinstance(error, ValidationError) for error in raised) == 1, raised
