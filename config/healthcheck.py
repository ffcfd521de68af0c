"""python -m config.healthcheck: the container's health check (docker-compose.yml).

Asks the web server on 127.0.0.1:8000 for /api/v1/health/ as the production settings
expect a request to come: for a host named in ALLOWED_HOSTS, and, with BIAOZHU_HTTPS, as
forwarded over HTTPS by the proxy (else the server answers 400 for the host, or 301 to
https, and the orchestrator restarts a healthy service forever). Exits 0 on 200. Needs no
Django: it runs every 30 s.
"""

import http.client
import os
import sys


def host_name(allowed: str) -> str:
    """A name the server accepts: the first of ALLOWED_HOSTS that names a host."""
    for entry in allowed.split(","):
        name = entry.strip().lstrip(".")
        if name and name != "*":
            return name
    return "localhost"


def healthy(port: int = 8000, address: str = "127.0.0.1") -> bool:
    headers = {"Host": host_name(os.environ.get("ALLOWED_HOSTS", "localhost"))}
    if os.environ.get("BIAOZHU_HTTPS", "").strip().lower() in {"1", "true", "yes", "on"}:
        headers["X-Forwarded-Proto"] = "https"
    connection = http.client.HTTPConnection(address, port, timeout=5)
    try:
        connection.request("GET", "/api/v1/health/", headers=headers)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


if __name__ == "__main__":
    sys.exit(0 if healthy() else 1)
