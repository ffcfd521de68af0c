"""How much heavy work (imports, exports, quality runs) one person and one project may have
waiting or running at once.

Heavy jobs share one queue and its workers (docs/background-jobs.md). Without a cap, one
user queuing exports in a loop holds every other tenant's job behind theirs; past the cap a
new job is refused with the reason (429), and the asker tries again once one has finished.
"""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from annotation.models import EndpointRun, ExportJob, ImportJob, JobStatus, QualityRun
from projects.models import Project

HEAVY_JOBS = (ImportJob, ExportJob, QualityRun, EndpointRun)
_UNFINISHED = (JobStatus.PENDING, JobStatus.RUNNING)


class TooManyJobs(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _unfinished(**where: object) -> int:
    return sum(
        model.objects.filter(status__in=_UNFINISHED, **where).count() for model in HEAVY_JOBS
    )


@transaction.atomic
def heavy_job_admit(*, user: User, project: Project) -> None:
    """Raise TooManyJobs if ``user`` or ``project`` has as many heavy jobs waiting or
    running as it may. Call it in the transaction that creates the job: the user's row
    stays locked until then, so two requests of one person at once are counted in turn."""
    User.objects.select_for_update().filter(id=user.id).exists()
    caps = (
        (
            settings.BIAOZHU_JOBS_PER_USER,
            {"created_by": user},
            _(
                "You have %(count)s imports, exports or quality runs waiting or running, "
                "the most one person may have. Try again when one has finished."
            ),
        ),
        (
            settings.BIAOZHU_JOBS_PER_PROJECT,
            {"project": project},
            _(
                "This project has %(count)s imports, exports or quality runs waiting or "
                "running, the most one project may have. Try again when one has finished."
            ),
        ),
    )
    for cap, whose, reason in caps:
        if _unfinished(**whose) >= cap:
            raise TooManyJobs(reason % {"count": cap})
