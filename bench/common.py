"""Pieces every benchmark needs: the seed snippets and a scratch PostgreSQL database."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def seed_snippets() -> list[str]:
    """The snippets the platform cuts from seeds/ with the default cleaning."""
    from annotation.ingest.cleaning import CleaningOptions, split_page

    texts = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        for article in split_page(path.read_text(encoding="utf-8"), CleaningOptions()):
            texts.extend(piece.text for piece in article.snippets)
    return texts


def scratch_database(name: str) -> str:
    """Create the database ``name`` afresh beside BASE_URL's; return its URL."""
    import psycopg

    with psycopg.connect(BASE_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    return BASE_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(name: str) -> None:
    """Drop the scratch database, after closing this process's connections to it."""
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(BASE_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
