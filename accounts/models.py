from typing import Any

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person who logs in. Project roles live on projects.Membership, not here.

    Site staff (``is_staff``) create projects and users; the ``projects.add_project``
    permission lets a non-staff user (a project manager) create projects too.

    A new password ends the user's API token when it is saved, whichever way it was set
    (their own change, a reset, the admin, ``changepassword``): whoever held the old
    password may hold the token too.
    """

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
