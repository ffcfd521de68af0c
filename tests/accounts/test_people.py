"""Accounts made and looked after by site staff through the API; passwords people change."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    client = APIClient()
    client.force_authenticate(UserFactory(username="staff", is_staff=True))
    return client


def log_in(username: str, password: str) -> APIClient:
    client = APIClient()
    answer = client.post("/api/v1/auth/token/", {"username": username, "password": password})
    assert answer.status_code == 200, answer.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    return client


def test_staff_make_an_account_whose_password_is_changed_first(staff):
    made = staff.post("/api/v1/users/", {"username": "zhang3", "display_name": "张三"})

    assert made.status_code == 201 and made["Cache-Control"] == "no-store"
    body = made.json()
    assert body["display_name"] == "张三" and body["must_change_password"] is True
    password = body["password"]
    assert len(password) == 10 and not set(password) & set("0O1lI")

    zhang3 = log_in("zhang3", password)
    blocked = zhang3.get("/api/v1/projects/")
    assert blocked.status_code == 403 and blocked.json()["code"] == "password_change_required"
    assert zhang3.get("/api/v1/me/").json()["must_change_password"] is True
    same = zhang3.post("/api/v1/me/password/", {"old_password": password, "new_password": password})
    weak = zhang3.post("/api/v1/me/password/", {"old_password": password, "new_password": "123"})
    assert same.status_code == 400 and weak.status_code == 400

    changed = zhang3.post(
        "/api/v1/me/password/", {"old_password": password, "new_password": "长城-宽带-2026"}
    )

    assert changed.status_code == 204
    fresh = log_in("zhang3", "长城-宽带-2026")  # the token of the given password ended
    assert fresh.get("/api/v1/projects/").status_code == 200
    assert zhang3.get("/api/v1/me/").status_code in (401, 403)


def test_a_given_password_is_kept_and_checked(staff):
    weak = staff.post("/api/v1/users/", {"username": "li4", "password": "12345678"})
    taken = staff.post("/api/v1/users/", {"username": "staff"})
    given = staff.post("/api/v1/users/", {"username": "li4", "password": "黄河-长江-2026"})

    assert weak.status_code == 400 and taken.status_code == 400
    assert given.status_code == 201 and given.json()["password"] == ""
    assert User.objects.get(username="li4").check_password("黄河-长江-2026")


def test_a_hundred_accounts_from_a_csv_file_or_none(staff):
    lines = ["用户名,姓名,密码"] + [f"annotator{n:03},标注员{n}," for n in range(100)]
    lines[5] = "annotator004,标注员4,黄河-长江-2026"  # one password of the file's own
    good = "\r\n".join(lines).encode("gb18030")  # as Excel saves it on a Chinese Windows
    bad = "\n".join(
        ["username,display_name", "ok1,好", "bad name!,坏", "ok1,重复", "staff,已有"]
    ).encode()

    refused = staff.post("/api/v1/users/import/", {"file": SimpleUploadedFile("u.csv", bad)})
    made = staff.post("/api/v1/users/import/", {"file": SimpleUploadedFile("u.csv", good)})

    assert refused.status_code == 400
    assert [error["line"] for error in refused.json()["errors"]] == [3, 4, 5]
    assert not User.objects.filter(username="ok1").exists()  # nothing half made
    assert made.status_code == 201 and made["Cache-Control"] == "no-store"
    users = made.json()["users"]
    assert len(users) == 100 and users[4]["display_name"] == "标注员4"
    assert users[4]["password"] == "" and all(user["password"] for user in users[5:])
    assert User.objects.filter(must_change_password=True).count() == 100
    log_in("annotator099", users[99]["password"])


def test_deactivated_nobody_gets_in_and_a_temporary_password_is_changed_first(staff):
    user = UserFactory(username="wang5")
    token = log_in("wang5", PASSWORD)

    off = staff.patch(f"/api/v1/users/{user.id}/", {"is_active": False}, format="json")
    assert off.status_code == 200 and token.get("/api/v1/me/").status_code in (401, 403)
    on = staff.patch(f"/api/v1/users/{user.id}/", {"is_active": True}, format="json")
    given = staff.post(f"/api/v1/users/{user.id}/password/", {})

    assert on.json()["is_active"] is True and given["Cache-Control"] == "no-store"
    assert token.get("/api/v1/me/").status_code in (401, 403)  # the old password's token
    again = log_in("wang5", given.json()["password"])
    assert again.get("/api/v1/projects/").json()["code"] == "password_change_required"
    me = User.objects.get(username="staff")
    assert (
        staff.patch(f"/api/v1/users/{me.id}/", {"is_active": False}, format="json").status_code
        == 400
    )


def test_staff_find_accounts_by_name(staff):
    UserFactory(username="zhao6", display_name="赵六")
    UserFactory(username="qian7", display_name="钱七", is_active=False)

    found = staff.get("/api/v1/users/", {"q": "赵"}).json()["results"]
    off = staff.get("/api/v1/users/", {"active": "0"}).json()["results"]

    assert [user["username"] for user in found] == ["zhao6"]
    assert [user["username"] for user in off] == ["qian7"]


@pytest.mark.parametrize("actor", ["anonymous", "manager", "annotator"])
def test_only_staff_look_after_accounts(actor):
    user = UserFactory(username="target")
    client = APIClient()
    if actor != "anonymous":
        client.force_authenticate(UserFactory(username=actor))

    answers = {
        client.get("/api/v1/users/").status_code,
        client.post("/api/v1/users/", {"username": "new"}).status_code,
        client.post("/api/v1/users/import/", {}).status_code,
        client.get(f"/api/v1/users/{user.id}/").status_code,
        client.patch(f"/api/v1/users/{user.id}/", {"is_active": False}).status_code,
        client.post(f"/api/v1/users/{user.id}/password/", {}).status_code,
    }

    assert answers <= {401, 403}
    user.refresh_from_db()
    assert user.is_active and not User.objects.filter(username="new").exists()


def test_the_pages_wait_for_a_given_password_to_be_changed(client):
    user = UserFactory(username="zhou8", must_change_password=True)
    client.force_login(user)

    sent = client.get("/")
    page = client.get("/password/")
    changed = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password": "江南-塞北-2026", "repeated": "江南-塞北-2026"},
    )

    assert sent.status_code == 302 and sent["Location"] == "/password/"
    assert page.status_code == 200
    assert changed.status_code == 302 and client.get("/").status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("江南-塞北-2026")


def test_the_people_page_is_for_staff(client):
    client.force_login(UserFactory(username="someone"))
    assert client.get("/people/").status_code == 403
    client.force_login(UserFactory(username="boss", is_staff=True))
    assert client.get("/people/").status_code == 200


def test_a_password_reset_by_e_mail_only_with_a_mail_server(client, settings, mailoutbox):
    import re

    UserFactory(username="wu9", email="wu9@example.org", must_change_password=True)
    assert client.get("/password/reset/").status_code == 404
    assert b"/password/reset/" not in client.get("/login/").content

    settings.EMAIL_HOST = "mail.example.org"
    assert b"/password/reset/" in client.get("/login/").content
    sent = client.post("/password/reset/", {"email": "wu9@example.org"})
    nobody = client.post("/password/reset/", {"email": "nobody@example.org"})

    assert sent.status_code == nobody.status_code == 302  # the same for an unknown address
    [mail] = mailoutbox
    link = re.search(r"https?://[^/]+(/password/reset/\S+)", mail.body)[1]
    form = client.get(link, follow=True)
    assert form.status_code == 200 and b"new_password1" in form.content
    chosen = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "东海-南山-2026", "new_password2": "东海-南山-2026"},
    )
    assert chosen.status_code == 302 and chosen["Location"] == "/login/"
    user = User.objects.get(username="wu9")
    assert user.check_password("东海-南山-2026") and not user.must_change_password
    assert client.get(link, follow=True).content.count(b"new_password1") == 0  # used once
