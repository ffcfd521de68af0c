"""Generated requests to every URL of the URLconf: whatever the body, the query string or
the ids in the path, the answer is never a server error (a malformed request gets a 4xx).

Hypothesis draws, for each route and a user who may reach everything (a manager who is
site staff), a method,
ids (the world's objects, 0, past every column, or anything up to 18 digits), a query string
and a body: JSON of any depth and kind under the fields the API knows and others, numbers
past 64 bits, NaN, text with NUL and 𠮷, or bytes that are no JSON at all. Each request runs
in a savepoint rolled back after it, so that every example starts from the same world. The
examples are drawn the same way on every run (derandomized): CI stays reproducible.
"""

import json

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.test_every_url import ROUTES, _url, world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

# The fields the API's bodies and query strings name, so that generated values reach the
# validation behind them, not only "unknown field".
FIELDS = [
    *("name", "description", "guidelines", "kinds", "labels", "kind", "color", "hotkey"),
    *("multi_label", "allow_overlap", "snap_to_tokens", "overlap", "lease_minutes"),
    *("batch_size", "review_percent", "acceptance_threshold", "gold_percent"),
    *("gold_min_accuracy", "gold_pause", "max_snippet_chars", "clean_reflow"),
    *("username", "role", "password", "old_password", "new_password", "user"),
    *("spans", "classes", "segmentation", "start", "end", "label", "text", "draft"),
    *("version", "time_spent_ms", "reason", "decision", "verdict", "note", "size"),
    *("format", "status", "offsets", "batches", "snippet", "words", "word", "freq", "hmm"),
    *("assignees", "after", "batch", "annotator", "page", "language", "next"),
]
TEXT = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["𠮷", "😀", "，。", "\x00", "a" * 300, "-1", "1e23", "NaN", "null", "[]", "{}"]
)
NUMBERS = (
    st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([0, -1, 2**31, 2**63, 10**23])
    | st.floats(allow_nan=True, allow_infinity=True)
)
SCALARS = st.none() | st.booleans() | NUMBERS | TEXT
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)
BODIES = (
    st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=6).map(
        lambda body: json.dumps(body, allow_nan=True)
    )
    | VALUES.map(lambda body: json.dumps(body, allow_nan=True))
    | st.binary(max_size=40).map(lambda raw: raw.decode("latin-1"))
    | st.just("[" * 3000)
)
QUERIES = st.dictionaries(st.sampled_from(FIELDS), TEXT | NUMBERS.map(str), max_size=3)
IDS = st.sampled_from(["world", "world", 0, 10**18 - 1]) | st.integers(1, 10**18 - 1)


@pytest.mark.parametrize(("route", "name"), ROUTES, ids=[name or route for route, name in ROUTES])
def test_no_request_gets_a_server_error(world, members, route, name):  # noqa: F811
    manager = members["manager"]
    manager.is_staff = True  # the accounts' endpoints too
    manager.save(update_fields=["is_staff"])
    client = APIClient()
    client.force_login(manager)  # the pages
    client.force_authenticate(manager)  # the API, without a CSRF token to send

    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        method=st.sampled_from(["get", "post", "put", "patch", "delete"]),
        ids=st.fixed_dictionaries({key: IDS for key in world}),
        query=QUERIES,
        body=BODIES,
    )
    def request(method, ids, query, body):
        path = _url(route, {key: world[key] if v == "world" else v for key, v in ids.items()})
        with transaction.atomic():
            if method == "get":
                answer = client.get(path, query)
            else:
                answer = getattr(client, method)(path, body, content_type="application/json")
            transaction.set_rollback(True)
        assert answer.status_code < 500, (method, path, query, body[:200], answer.status_code)

    request()
