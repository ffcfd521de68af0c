import pytest
from rest_framework.authtoken.models import Token

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_token_then_use_it(api):
    user = UserFactory(username="标注员甲")

    response = api.post(
        "/api/v1/auth/token/", {"username": "标注员甲", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "标注员甲"
    assert me.json()["id"] == user.id


def test_token_is_stable_across_logins(api):
    UserFactory(username="a")
    body = {"username": "a", "password": PASSWORD}

    first = api.post("/api/v1/auth/token/", body, format="json").json()["token"]
    second = api.post("/api/v1/auth/token/", body, format="json").json()["token"]

    assert first == second
    assert Token.objects.count() == 1


def test_wrong_password_gets_no_token(api):
    UserFactory(username="a")

    response = api.post("/api/v1/auth/token/", {"username": "a", "password": "x"}, format="json")

    assert response.status_code == 400
    assert "token" not in response.json()
    assert Token.objects.count() == 0


def test_inactive_user_gets_no_token(api):
    UserFactory(username="gone", is_active=False)

    response = api.post(
        "/api/v1/auth/token/", {"username": "gone", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 400


def test_me_needs_a_login(api):
    assert api.get("/api/v1/me/").status_code in (401, 403)


def test_me_tells_who_may_create_projects(api):
    staff = UserFactory(is_staff=True)
    plain = UserFactory()

    api.force_authenticate(staff)
    assert api.get("/api/v1/me/").json()["can_create_projects"] is True
    api.force_authenticate(plain)
    assert api.get("/api/v1/me/").json()["can_create_projects"] is False


@pytest.mark.parametrize("case", ["unknown key", "inactive user", "no scheme"])
def test_a_token_that_does_not_hold_is_refused(api, case):
    user = UserFactory(username="乙", is_active=case != "inactive user")
    key = Token.objects.create(user=user).key
    header = {
        "unknown key": "Token 0123456789abcdef0123456789abcdef01234567",
        "inactive user": f"Token {key}",
        "no scheme": key,
    }[case]
    api.credentials(HTTP_AUTHORIZATION=header)

    response = api.get("/api/v1/me/")

    # 403 rather than 401: session authentication comes first, and it sends no challenge.
    assert response.status_code in (401, 403)
    assert "username" not in response.json()


def test_a_token_authenticates_with_one_query(django_assert_num_queries):
    from accounts.authentication import TokenAuthentication

    user = UserFactory(username="丙", is_staff=True)
    key = Token.objects.create(user=user).key

    with django_assert_num_queries(1):
        found, token = TokenAuthentication().authenticate_credentials(key)

    assert (found.id, found.username, found.is_staff, token.key) == (user.id, "丙", True, key)
    assert found.last_login == user.last_login and found.date_joined == user.date_joined
