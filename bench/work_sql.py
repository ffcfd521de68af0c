"""The database's share of an annotation loop, without the web server: pgbench runs the
statements of the workspace's loop (the autosave's compare-and-set, then the submit with
the next claim, annotation.work) against PostgreSQL, sent as Django's cursors send them
(parsed and planned each time) and as prepared statements (annotation.work.cursors).

    python bench/work_sql.py [--clients 16] [--seconds 15] [--rounds 3]

Each run has a fresh project of 40,000 snippets (the tables keep the runs before it, as
a server keeps its history; an unmeasured run goes first) and ``--clients`` annotators,
as many as the server's database connections (4 workers × 4 threads). Prints loops/s and
PostgreSQL's CPU a loop for each run, the medians, and the prepared runs' CPU against the
others'. Needs pgbench.
"""

import argparse
import statistics
import subprocess
import tempfile
import time
import types

from common import django_on_scratch, drop_database
from serving import CpuMeter, make_annotators, make_project

DB_NAME = "biaozhu_bench_work_sql"

# One pgbench transaction is one loop: the work path's own statements (the autosave's
# compare-and-set, the submit with next), their parameters as pgbench variables and
# literals. :next_assignment_id carries the annotator's task from one loop to the next
# (the first loop of a client looks up the task claimed for it before the run); every
# task is a fresh one, so an autosave is always based on version 0.
FIRST_TASK = """\\set u :client_id + {first_user}
\\if :next_assignment_id = 0
SELECT id AS next_assignment_id FROM annotation_assignment
WHERE project_id = {project} AND annotator_id = :u AND status = 'active' \\gset
\\endif
"""
SPANS = """'[{"start": 0, "end": 2, "label": "地名", "text": "第0"}]'"""


def loop_script(first_user: int, project: int, version: str) -> str:
    """The pgbench script of one loop; ``version`` the project's, as an SQL value."""
    from annotation.work import fastpath, statements

    task, user = ":next_assignment_id", ":u"
    draft = statements._DRAFT_OWN % {
        "draft": """'{"spans": []}'""",
        "assignment": task,
        "user": user,
        "version": "0",
        "superuser": "false",
    }
    submit = fastpath._SUBMIT % (
        task,
        user,
        "''",
        version,
        SPANS,
        "'[]'",
        "'[]'",
        "3000",
        "now()",
        "NULL",
        "true",
    )
    first = FIRST_TASK.format(first_user=first_user, project=project)
    return f"{first}{draft.strip()};\n{submit} \\gset\n"


def one_run(url: str, project, users: list, seconds: float, mode: str) -> tuple:
    """One pgbench run of the loop, ``mode`` simple or prepared: (loops/s, PostgreSQL's
    CPU a loop in ms)."""
    from django.db import connection

    from annotation.models import Assignment, Revision

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_json(updated_at) #>> '{}' FROM projects_project WHERE id = %s",
            [project.id],
        )
        (version,) = cursor.fetchone()
        for user in users:
            cursor.execute("SELECT biaozhu_task_next(%s, %s, now())", [project.id, user.id])
    connection.close()
    quoted = f"'{version}'" if mode == "simple" else ":version"  # pgbench quotes nothing
    script = loop_script(users[0].id, project.id, quoted)
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as file:
        file.write(script)
        file.flush()
        meter = CpuMeter(types.SimpleNamespace(pid=-1))  # no web server in this run
        meter.start()
        command = ["pgbench", "-n", "-M", mode, "-c", str(len(users)), "-j", "2"]
        command += ["-T", str(int(seconds)), "-D", "next_assignment_id=0"]
        command += ["-D", f"version={version}"]
        out = subprocess.run(
            [*command, "-f", file.name, url], capture_output=True, text=True, check=True
        ).stdout
        time.sleep(1)  # pgbench's connections end; their CPU is counted once reaped
        spent = meter.stop()
    processed = next(line for line in out.splitlines() if "actually processed" in line)
    loops = int(processed.split()[-1].split("/")[0])
    # Each loop did its work: one revision, on an assignment its autosave moved to version 1.
    stored = Revision.objects.filter(assignment__project=project).count()
    saved = Assignment.objects.filter(project=project, status="submitted", version=1).count()
    assert stored == saved == loops, f"{loops} loops: {stored} revisions, {saved} autosaves"
    return loops / seconds, spent["database"] / loops * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    env = django_on_scratch(DB_NAME, None)
    from accounts.services import user_ensure

    owner, _ = user_ensure(username="bench-owner", password="bench-password", is_staff=True)
    users = [user for user, _ in make_annotators(args.clients)]
    ids = [user.id for user in users]
    # pgbench numbers its clients 0..n-1: client i is the annotator first id + i.
    assert ids == list(range(ids[0], ids[0] + len(ids))), "annotator ids are not consecutive"
    url = env["DATABASE_URL"]  # pgbench takes it as its database name (libpq reads URIs)
    cpu = {"simple": [], "prepared": []}
    try:
        # A plan PostgreSQL makes for the functions while the assignment table is empty
        # scans the whole table for "never had this snippet" (docs/benchmarks.md): the
        # first, unmeasured run gives the table its history and the statistics of one.
        project = make_project(owner, users, 40_000, "work-sql-warm-up")
        one_run(url, project, users, 5, "simple")
        for round_ in range(1, args.rounds + 1):
            for mode in cpu:
                project = make_project(owner, users, 40_000, f"work-sql-{mode}-{round_}")
                rate, per_loop = one_run(url, project, users, args.seconds, mode)
                cpu[mode].append(per_loop)
                print(
                    f"round {round_}, {mode:<8} {args.clients} clients: {rate:7.1f} loops/s,"
                    f" PostgreSQL {per_loop:.2f} ms CPU a loop"
                )
    finally:
        drop_database(DB_NAME)
    medians = {mode: statistics.median(values) for mode, values in cpu.items()}
    for mode, values in cpu.items():
        listed = ", ".join(f"{value:.2f}" for value in values)
        print(f"{mode:<8} median {medians[mode]:.2f} ms a loop ({listed})")
    print(f"prepared ÷ simple: {medians['prepared'] / medians['simple']:.0%}")


if __name__ == "__main__":
    main()
