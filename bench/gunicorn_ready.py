"""gunicorn settings file for the benchmarks: nothing changes how requests are served; each
worker leaves a mark once it has loaded the application.

A gthread worker keeps every connection it accepts. Clients that connect while the other
workers are still importing the application all land on the first worker to boot, and
the run then measures one process instead of the server (seen: 99 % of the server's CPU
in one of four workers). bench/serving.py starts its clients once every worker is marked.
"""

import os


def post_worker_init(worker) -> None:
    folder = os.environ.get("BENCH_READY_DIR")
    if folder:
        with open(os.path.join(folder, str(worker.pid)), "w"):
            pass
