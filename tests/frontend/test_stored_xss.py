"""Stored XSS: markup written into every field a user fills (project name, description,
guidelines, label names and descriptions, batch names, import file names, snippet text,
usernames, review reasons, acceptance notes) is shown as text on every page, in a real
browser; nothing runs, and the Content-Security-Policy has nothing to refuse."""

import pytest

from accounts.models import User
from annotation.models import (
    Acceptance,
    AcceptanceItem,
    Batch,
    ImportJob,
    Review,
)
from projects.models import Label, Membership, Role
from tests.factories import snippets_of, work_submitted

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = '<img src=x onerror="window.hit=1"><script>window.hit=2</script>'
SHORT = "<img src=x onerror=window.hit=3>"


@pytest.fixture
def hostile(project, members):
    project.name = f"项目{SHORT}"
    project.description = HOSTILE
    project.guidelines = f"# 规范\n\n{HOSTILE}\n\n[链接](javascript:window.hit=4)"
    project.kinds = ["spans", "classes"]
    project.save()
    Label.objects.create(project=project, kind="spans", name=f"人名{SHORT}", description=HOSTILE)
    Label.objects.create(project=project, kind="classes", name=SHORT, position=1)
    stranger = User.objects.create(username=f"u{SHORT}")
    Membership.objects.create(project=project, user=stranger, role=Role.ANNOTATOR)
    batch = Batch.objects.create(project=project, name=f"包{SHORT}", status="accepting", size=2)
    ImportJob.objects.create(project=project, filename=f"{SHORT}.txt", format="text")
    judged, _ = snippets_of(project, (f"{HOSTILE}第{n}句。" for n in range(2)), batch)
    work = {"spans": [(0, 5, f"人名{SHORT}")], "classes": [SHORT]}
    assignment = work_submitted(judged, stranger, work)
    revision = assignment.revisions.get()
    Review.objects.create(project=project, batch=batch, assignment=assignment, revision=revision)
    acceptance = Acceptance.objects.create(batch=batch, created_by=members["client"], threshold=98)
    AcceptanceItem.objects.create(acceptance=acceptance, snippet=judged, note=HOSTILE)
    return project, batch


PAGES = {
    "manager": ["/", "/projects/{p}/", "/projects/{p}/quality/", "/projects/{p}/downloads/"],
    "reviewer": ["/projects/{p}/review/", "/projects/{p}/adjudicate/"],
    "annotator": ["/projects/{p}/annotate/"],
    "client": ["/projects/{p}/", "/projects/{p}/batches/{b}/acceptance/"],
}


@pytest.mark.parametrize("actor", PAGES)
def test_markup_from_users_never_runs_on_any_page(hostile, page_for, live_server, actor):
    project, batch = hostile
    page = page_for(actor)
    for path in PAGES[actor]:
        page.goto(live_server.url + path.format(p=project.id, b=batch.id))
        page.wait_for_load_state("networkidle")  # the scripts have drawn what they fetch

        assert page.evaluate("window.hit") is None, path
        assert page.locator("script:not([src]):not([type='application/json'])").count() == 0
        assert page.locator("img[onerror]").count() == 0
        assert "onerror=" in page.locator("body").inner_text(), path  # shown, as text
    assert page.errors == []
