"""Export files kept in the database: gzip-compressed, as 1 MiB ``ExportChunk`` rows.

The database is the one store every web process and worker shares (docker-compose.yml
runs workers on other machines with nothing else in common). Compressed, a file takes a
third of the room and of the time to store; a download passes the gzip stream on to a
client that accepts it, and inflates it on the way for one that does not.
"""

import zlib
from collections.abc import Iterator

from django.db import connection

from annotation.models import ExportChunk, ExportJob

CHUNK_BYTES = 1024 * 1024
GZIP = 16 + zlib.MAX_WBITS  # zlib's window bits for a gzip header and trailer
LEVEL = 1  # the fastest: three times smaller already for JSON of Chinese text


class Chunks:
    """Stores bytes already compressed as chunk rows of about CHUNK_BYTES, in order."""

    def __init__(self, job: ExportJob) -> None:
        self.job = job
        self.parts: list[bytes] = []
        self.held = self.seq = self.stored = 0

    def write(self, data: bytes) -> None:
        """Hold bytes; store a chunk when enough are held."""
        self.parts.append(data)
        self.held += len(data)
        if self.held >= CHUNK_BYTES:
            self.flush()

    def flush(self) -> None:
        data = b"".join(self.parts)
        _chunk_insert(self.job.id, self.seq, data)
        self.seq, self.stored, self.parts, self.held = self.seq + 1, self.stored + len(data), [], 0


class Gzip:
    """Compresses what is written into ``out`` (anything with ``write(bytes)``) as one
    gzip stream; ``size`` counts the bytes before compression."""

    def __init__(self, out) -> None:
        self.out = out
        self.deflate = zlib.compressobj(LEVEL, zlib.DEFLATED, GZIP)
        self.size = 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if packed := self.deflate.compress(data):
            self.out.write(packed)

    def close(self) -> None:
        self.out.write(self.deflate.flush())


def _chunk_insert(job_id: int, seq: int, data: bytes) -> None:
    """Store a chunk in the caller's transaction; on PostgreSQL as a binary parameter (the
    ORM writes bytes as a hex literal into the statement: five times slower for a MiB)."""
    if connection.vendor != "postgresql":
        ExportChunk.objects.create(job_id=job_id, seq=seq, data=data)
        return
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            "INSERT INTO annotation_exportchunk (job_id, seq, data) VALUES (%s, %s, %b)",
            [job_id, seq, data],
        )


def stored_chunks(job: ExportJob) -> Iterator[bytes]:
    """The file as stored (gzip), a chunk at a time."""
    ids = ExportChunk.objects.filter(job=job).order_by("seq").values_list("id", flat=True)
    for chunk_id in list(ids):
        yield bytes(ExportChunk.objects.values_list("data", flat=True).get(id=chunk_id))


def file_chunks(job: ExportJob) -> Iterator[bytes]:
    """The file itself, inflated a stored chunk at a time."""
    inflate = zlib.decompressobj(GZIP)
    for packed in stored_chunks(job):
        if data := inflate.decompress(packed):
            yield data
    if rest := inflate.flush():
        yield rest
