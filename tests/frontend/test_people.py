"""Onboarding a team in the browser: staff make a hundred accounts from a file, a manager
takes them all into a project in one action, and a newcomer sets their own password."""

import pytest

from projects.models import Membership
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_hundred_people_from_a_file_into_a_project(page_for, live_server, project, tmp_path):
    UserFactory(username="boss", is_staff=True)
    MembershipFactory(project=project, role="manager", user__username="lead")
    team = tmp_path / "team.csv"
    rows = ["用户名,姓名"] + [f"ann{n:03},标注员{n}" for n in range(100)]
    team.write_bytes("\r\n".join(rows).encode("gb18030"))

    staff = page_for("boss")
    staff.goto(f"{live_server.url}/people/")
    staff.set_input_files("#users-file-form input[name=file]", str(team))
    staff.click("#users-file-form button[type=submit]")
    staff.locator("#made-table tbody tr").nth(99).wait_for()
    first_password = staff.locator("#made-table tbody tr").first.locator("td").nth(2).inner_text()
    assert staff.locator("#made-table tbody tr").count() == 100
    assert staff.errors == []

    usernames = tmp_path / "names.txt"
    usernames.write_text("\n".join(f"ann{n:03}" for n in range(100)), encoding="utf-8")
    manager = page_for("lead")
    manager.goto(f"{live_server.url}/projects/{project.id}/#members")
    manager.set_input_files("#members-file-form input[name=file]", str(usernames))
    with manager.expect_response(lambda answer: answer.url.endswith("/members/")):
        manager.click("#members-file-form button[type=submit]")
    manager.locator("#members tbody tr[data-username=ann099]").wait_for()
    assert Membership.objects.filter(project=project, role="annotator").count() == 100
    assert manager.errors == []

    newcomer = manager.context.browser.new_context().new_page()
    newcomer.goto(f"{live_server.url}/login/")
    newcomer.fill("input[name=username]", "ann000")
    newcomer.fill("input[name=password]", first_password)
    newcomer.click("button[type=submit]")
    newcomer.wait_for_url(f"{live_server.url}/password/")
    newcomer.fill("input[name=old_password]", first_password)
    newcomer.fill("input[name=new_password]", "泰山-黄山-2026")
    newcomer.fill("input[name=repeated]", "泰山-黄山-2026")
    newcomer.click("main button[type=submit]")
    newcomer.wait_for_url(f"{live_server.url}/")
    newcomer.context.close()


def test_a_manager_finds_people_by_name_and_adds_them_with_their_roles(
    page_for, live_server, project, members
):
    for n, name in enumerate(("王芳", "王伟", "李娜")):
        UserFactory(username=f"p{n}", display_name=name)
    page = page_for("manager")
    page.goto(f"{live_server.url}/projects/{project.id}/#members")

    page.locator("#candidates li[data-username=p2]").wait_for()  # everyone, at first
    with page.expect_response(lambda answer: "candidates/?q=%E7%8E%8B" in answer.url):
        page.fill("#member-search input[name=q]", "王")
    page.locator("#candidates li[data-username=p2]").wait_for(state="detached")
    assert page.locator("#candidates li").count() == 2
    page.check("#candidates-all")
    page.locator("#candidates li[data-username=p1] select").select_option("reviewer")
    with page.expect_response(lambda answer: answer.url.endswith("/members/")):
        page.click("#add-selected")
    page.locator("#members tbody tr[data-username=p1]").wait_for()

    roles = dict(Membership.objects.filter(project=project).values_list("user__username", "role"))
    assert roles["p0"] == "annotator" and roles["p1"] == "reviewer" and "p2" not in roles
    row = page.locator("#members tbody tr[data-username=p0]")
    with page.expect_response(lambda answer: answer.url.endswith("/members/")):
        row.locator("select").select_option("client")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_response(
        lambda answer: "/members/" in answer.url and answer.request.method == "DELETE"
    ):
        page.locator("#members tbody tr[data-username=p1] button").click()
    roles = dict(Membership.objects.filter(project=project).values_list("user__username", "role"))
    assert roles["p0"] == "client" and "p1" not in roles
    assert page.errors == []
