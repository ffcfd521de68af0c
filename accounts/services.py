import csv
import io
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

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


# Passwords made for people: easy to read out and to type from a printed list (no 0/O,
# 1/l/I), ten characters of 31: about 50 bits.
_READABLE = "abcdefghjkmnpqrstuvwxyz23456789"
GENERATED_LENGTH = 10
USERS_PER_FILE = 2000


def password_generate() -> str:
    return "".join(secrets.choice(_READABLE) for _ in range(GENERATED_LENGTH))


@dataclass
class UsersRefused(Exception):
    """What is wrong with the users asked for, each ``{line, reason}``; none was made."""

    errors: list[dict]


def _checked_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise UsersRefused([{"line": 1, "reason": " ".join(error.messages)}]) from None


def _new_user(username: str, display_name: str, password: str, email: str = "") -> tuple[User, str]:
    """An unsaved user with a temporary password: the one given, else one made, which is
    returned (to show once)."""
    user = User(
        username=username, display_name=display_name, email=email, must_change_password=True
    )
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        reasons = [message for messages in error.message_dict.values() for message in messages]
        raise UsersRefused([{"line": 1, "reason": " ".join(reasons)}]) from None
    made = "" if password else password_generate()
    if password:
        _checked_password(password, user)
    user.set_password(password or made)
    return user, made


@transaction.atomic
def user_create(
    *, username: str, display_name: str = "", password: str = "", email: str = ""
) -> tuple[User, str]:
    """Make an account (site staff): the password given or one made, which the user
    changes at the next log-in; an e-mail address only if they have one (for resets).
    Returns the user and the password made ("" if given)."""
    user, made = _new_user(username.strip(), display_name.strip(), password, email.strip())
    user.save()
    return user, made


def _csv_rows(content: bytes) -> list[tuple[int, dict[str, str]]]:
    """The file's rows, numbered as the file's lines, under English or Chinese headers."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UsersRefused([{"line": 1, "reason": _("The file is neither UTF-8 nor GB18030.")}])
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [_HEADERS.get(name.strip().lower(), name.strip().lower()) for name in next(reader, [])]
    if "username" not in header:
        reason = _('The first line must name the columns, "username" among them.')
        raise UsersRefused([{"line": 1, "reason": reason}])
    rows = []
    for cells in reader:
        if any(cell.strip() for cell in cells):
            rows.append(
                (reader.line_num, dict(zip(header, (cell.strip() for cell in cells), strict=False)))
            )
    return rows


_HEADERS = {
    "用户名": "username",
    "显示名": "display_name",
    "姓名": "display_name",
    "密码": "password",
}


@transaction.atomic
def users_import(*, content: bytes) -> list[tuple[User, str]]:
    """Accounts from a CSV file (``username``, optional ``display_name``, ``password`` and
    ``email``; or 用户名, 姓名, 密码, 邮箱), all or none: every row's problem is reported by
    its line. Returns each user with the password made for them ("" where the file gave one)."""
    rows = _csv_rows(content)
    if len(rows) > USERS_PER_FILE:
        reason = _("A file holds at most %(count)s users.") % {"count": USERS_PER_FILE}
        raise UsersRefused([{"line": 1, "reason": reason}])
    made: list[tuple[User, str]] = []
    errors: list[dict] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        username = row.get("username", "")
        if username.lower() in seen:
            reason = _("%(name)s is on line %(line)s already.")
            errors.append(
                {
                    "line": line,
                    "reason": reason % {"name": username, "line": seen[username.lower()]},
                }
            )
            continue
        seen[username.lower()] = line
        try:
            made.append(
                _new_user(
                    username,
                    row.get("display_name", ""),
                    row.get("password", ""),
                    row.get("email", ""),
                )
            )
        except UsersRefused as refused:
            errors += [{"line": line, "reason": error["reason"]} for error in refused.errors]
    if errors:
        raise UsersRefused(errors)
    User.objects.bulk_create([user for user, _password in made])
    # Read back in one query (SQLite's bulk_create gives no ids), in the file's order.
    stored = User.objects.in_bulk(
        [user.username for user, _password in made], field_name="username"
    )
    return [(stored[user.username], password) for user, password in made]


@transaction.atomic
def user_update(
    *,
    user: User,
    by: User,
    display_name: str | None = None,
    email: str | None = None,
    is_active: bool | None = None,
) -> User:
    """Change an account's name or e-mail address, or deactivate it (its token ends at
    once: authentication refuses an inactive user) and reactivate it. Nobody deactivates
    themselves."""
    changed = []
    if display_name is not None:
        user.display_name = display_name.strip()
        changed.append("display_name")
    if email is not None:
        user.email = email.strip()
        changed.append("email")
    if is_active is not None and is_active != user.is_active:
        if user.id == by.id:
            raise UsersRefused([{"line": 1, "reason": _("You cannot deactivate yourself.")}])
        user.is_active = is_active
        changed.append("is_active")
    if changed:
        user.full_clean(exclude=["password"])
        user.save(update_fields=changed)
    return user


@transaction.atomic
def password_set_temporary(*, user: User, password: str = "") -> str:
    """Give a user a temporary password (site staff): the one given or one made, changed
    by the user at the next log-in. Their API token ends with the old password."""
    if password:
        _checked_password(password, user)
    temporary = password or password_generate()
    user.set_password(temporary)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    return temporary


def password_choose(*, user: User, password: str) -> None:
    """The password the user chose themselves (a change, a reset by e-mail): checked by the
    site's rules, and theirs: no longer one to change at the next log-in."""
    _checked_password(password, user)
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> None:
    """A user changes their own password, knowing the current one."""
    if not user.check_password(old_password):
        raise UsersRefused([{"line": 1, "reason": _("The current password is not right.")}])
    if new_password == old_password:
        reason = _("Choose a password other than the current one.")
        raise UsersRefused([{"line": 1, "reason": reason}])
    password_choose(user=user, password=new_password)
