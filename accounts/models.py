from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who logs in. Project roles live on projects.Membership, not here.

    Site staff (``is_staff``) create projects and users; the ``projects.add_project``
    permission lets a non-staff user (a project manager) create projects too.

    A new password ends the user's API token when it is saved, whichever way it was set
    (their own change, a reset, the admin, ``changepassword``): whoever held the old
    password may hold the token too.
    """

    # The name people know them by (张三), shown beside the username; no e-mail needed.
    display_name = models.CharField(max_length=150, blank=True)
    # A password someone else set (site staff, for a new account or a reset): the user
    # changes it at the next log-in before anything else (accounts.permissions).
    must_change_password = models.BooleanField(default=False)

    class Meta:
        db_table = "accounts_user"

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self._token_ends = self.pk is not None

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        if getattr(self, "_token_ends", False):
            from rest_framework.authtoken.models import Token  # its model imports this one

            Token.objects.filter(user=self).delete()
            self._token_ends = False
