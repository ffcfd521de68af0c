from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person who logs in. Project roles live on projects.Membership, not here.

    Site staff (``is_staff``) create projects and users; the ``projects.add_project``
    permission lets a non-staff user (a project manager) create projects too.
    """

    class Meta:
        db_table = "accounts_user"
