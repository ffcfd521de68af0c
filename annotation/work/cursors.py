"""Cursors whose statements PostgreSQL parses and plans once per connection.

Django's PostgreSQL cursors bind parameters on the client, so PostgreSQL parses, analyses
and plans every statement it is sent. The work path sends the same few statements all
day; as prepared statements they cost 15–25 % less of the database's CPU a loop
(docs/benchmarks.md). ``prepared_cursor`` gives such a cursor, wrapped like Django's
own (errors come as django.db errors).

Connection poolers in transaction mode that cannot carry prepared statements (PgBouncer
before 1.21, or without ``max_prepared_statements``) need ``BIAOZHU_DB_PREPARED=0``: the
connection is then opened without them and this cursor binds on the client as the rest.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.utils import CursorWrapper


class PreparingCursor(ServerBindingCursor):
    """Binds on the server and prepares every statement it executes."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


def prepares() -> bool:
    """Whether the connection is opened with prepared statements (settings)."""
    options = connection.settings_dict["OPTIONS"]
    return connection.vendor == "postgresql" and options.get("prepare_threshold") is not None


@contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """A cursor on the request's connection that prepares what it executes. Where the
    connection has no prepared statements (SQLite, or a pooler setting), or while queries
    are logged (DEBUG, the tests' query capture: Django logs a statement's text only for
    its own cursors), it is Django's."""
    if not prepares() or connection.queries_logged:
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.make_cursor(PreparingCursor(connection.connection)) as cursor:
        yield cursor
