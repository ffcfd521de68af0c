"""python manage.py demo [addrport] [--no-serve]: the platform with demo data, in one command."""

import os
import time
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import user_ensure
from annotation.ingest.services import import_create
from annotation.jobs import jobs_eager
from annotation.management.demo_work import demo_work
from annotation.models import ImportJob, Job, JobStatus
from projects.models import Project, Role
from projects.services import membership_set, project_create

DEMO_PROJECT = "演示项目：数据标注产业新闻"
DEMO_DESCRIPTION = "四篇报纸版面（PDF/OCR 文本），用于实体标注与分词校对的演示。"
SEEDS_DIR = Path(settings.BASE_DIR) / "seeds"
DEMO_SETTINGS = {
    "kinds": ["spans", "classes", "segmentation", "relations"],
    "overlap": 2,
    "guidelines": "## 标注规范\n\n- **人名**：真实人物的姓名。\n- **地名**：行政区划与地点。\n"
    "- **机构**：公司、政府部门、学校等。\n\n每个片段再选一个主题分类。\n\n"
    "关系：**位于**（机构 → 地名），**任职于**（人名 → 机构）。",
}
DEMO_LABELS = [
    {"name": "人名", "kind": "spans", "color": "#e03131", "hotkey": "p"},
    {"name": "地名", "kind": "spans", "color": "#2f9e44", "hotkey": "l"},
    {"name": "机构", "kind": "spans", "color": "#1971c2", "hotkey": "o"},
    {
        "name": "位于",
        "kind": "relations",
        "color": "#495057",
        "hotkey": "w",
        "subject_labels": ["机构"],
        "object_labels": ["地名"],
    },
    {
        "name": "任职于",
        "kind": "relations",
        "color": "#862e9c",
        "hotkey": "r",
        "subject_labels": ["人名"],
        "object_labels": ["机构"],
    },
    {"name": "产业", "kind": "classes", "color": "#f08c00", "hotkey": "1"},
    {"name": "政务", "kind": "classes", "color": "#6741d9", "hotkey": "2"},
    {"name": "社会", "kind": "classes", "color": "#0c8599", "hotkey": "3"},
]
ACCOUNTS = [
    ("manager", Role.MANAGER),
    ("annotator1", Role.ANNOTATOR),
    ("annotator2", Role.ANNOTATOR),
    ("reviewer", Role.REVIEWER),
    ("client", Role.CLIENT),
]
NAMES = [name for name, _ in ACCOUNTS]
J = TypeVar("J", bound=Job)
STAFF = "staff"  # site staff: makes accounts (the People page), in no project


def production_settings() -> str:
    """Why these settings are a production installation's, or "" when they are not: a
    secret key, host names or HTTPS given in the environment (docs/settings.md)."""
    if os.environ.get("DJANGO_SECRET_KEY"):
        return "DJANGO_SECRET_KEY is set"
    if os.environ.get("ALLOWED_HOSTS"):
        return "ALLOWED_HOSTS is set"
    if settings.HTTPS:
        return "BIAOZHU_HTTPS is on"
    return ""


class Command(BaseCommand):
    help = "Create demo accounts and a demo project from seeds/, then serve (like runserver)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="Load the data and exit.")
        parser.add_argument(
            "--production",
            action="store_true",
            help="Load the demo even though the settings are a production's.",
        )

    def handle(self, *args, addrport: str, no_serve: bool, production: bool, **options) -> None:
        reason = production_settings()
        if reason and not production:
            raise CommandError(
                f"These are production settings ({reason}): the demo would add its accounts "
                "and its project to this installation. Run it with --production if that is "
                "what you want."
            )
        call_command("migrate", interactive=False, verbosity=0)
        password = os.environ.get("BIAOZHU_DEMO_PASSWORD") or "biaozhu-demo"
        project, kept = self.load(password)
        self.report(project, addrport, password, kept)
        if not no_serve:
            call_command("runserver", addrport, use_reloader=False)

    def load(self, password: str) -> tuple[Project, set[str]]:
        """The demo project with its accounts, and the names of the accounts that were
        someone's own before: every account there already is left exactly as it was
        (password, rights), only made a member of the demo project."""
        existing = {
            user.username: user for user in User.objects.filter(username__in=[*NAMES, STAFF])
        }
        if STAFF not in existing:
            user_ensure(username=STAFF, password=password, is_staff=True)
        users = {
            name: existing.get(name)
            or user_ensure(
                username=name, password=password, can_create_projects=(role == Role.MANAGER)
            )[0]
            for name, role in ACCOUNTS
        }
        with transaction.atomic():
            project = Project.objects.filter(name=DEMO_PROJECT).first()
            if project is None:
                project = project_create(
                    creator=users["manager"],
                    name=DEMO_PROJECT,
                    description=DEMO_DESCRIPTION,
                    labels=DEMO_LABELS,
                    **DEMO_SETTINGS,
                )
            for name, role in ACCOUNTS:
                membership_set(project=project, user=users[name], role=role)
        done = set(
            ImportJob.objects.filter(project=project, status=JobStatus.SUCCEEDED).values_list(
                "filename", flat=True
            )
        )
        for path in sorted(SEEDS_DIR.glob("*.txt")):
            if path.name in done:
                continue
            upload = SimpleUploadedFile(path.name, path.read_bytes(), "text/plain")
            with transaction.atomic():
                job = import_create(
                    project=project, user=users["manager"], upload=upload, capped=False
                )
            if jobs_eager() and settings.BIAOZHU_JOBS_IN_BACKGROUND:
                job = _finished(job)  # in a thread beside this command
            job.refresh_from_db()
            self.stdout.write(f"  {path.name}: {job.status}, {job.snippets} snippets")
        export = demo_work(project=project, users=users)
        if export is not None:
            if jobs_eager() and settings.BIAOZHU_JOBS_IN_BACKGROUND:
                _finished(export)  # the client's export, written beside this command
            self.stdout.write("  work in every state: reviewed, returned, settled, accepted")
        # Accounts a demo made before have its password; the others are someone's own.
        return project, {
            name for name, user in existing.items() if not user.check_password(password)
        }

    def report(self, project: Project, addrport: str, password: str, kept: set[str]) -> None:
        host = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
        self.stdout.write(self.style.SUCCESS(f"\nBiaozhu demo: http://{host}/"))
        self.stdout.write(
            f"Project: {project.name} (id {project.id}, {project.snippets.count()} snippets)"
        )
        self.stdout.write(f"Log in with any of these accounts, password: {password}")
        for name, role in ACCOUNTS:
            note = (
                "  (there before the demo: its own password, left as it was)"
                if name in kept
                else ""
            )
            self.stdout.write(f"  {name:<11} {role.label}{note}")
        note = "  (there before the demo: left as it was)" if STAFF in kept else ""
        self.stdout.write(f"  {STAFF:<11} {_('Site staff')}{note}")


def _finished(job: J, timeout: float = 600) -> J:
    """The job once it has ended (without a broker it runs in a thread beside this
    command), or as it stands after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    job.refresh_from_db()
    while job.status in (JobStatus.PENDING, JobStatus.RUNNING) and time.monotonic() < deadline:
        time.sleep(0.2)
        job.refresh_from_db()
    return job
