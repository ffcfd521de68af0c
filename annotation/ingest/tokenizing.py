"""Writes of pre-tokenization: runs cut into chunks, chunk tasks, the tokenizer settings."""

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from annotation.ingest.tokenizer import TokenizerConfig, UserWord, snippet_tokens
from annotation.jobs import PRETOKENIZE_CHUNK, dispatch_on_commit
from annotation.models import DictionaryWord, JobStatus, Snippet, TokenizeChunk, TokenizeRun
from projects.models import Project

TOKENIZE_CHUNK_SNIPPETS = 500


def tokenizer_config(project: Project) -> TokenizerConfig:
    words = DictionaryWord.objects.filter(project=project).order_by("word")
    return TokenizerConfig(
        hmm=project.tokenizer_hmm,
        words=tuple(UserWord(w.word, w.freq, w.tag or None) for w in words),
        engine=project.tokenizer_engine,
    )


def tokenize_run_create(
    *, project: Project, snippet_ids: list[int], tokenized: int = 0
) -> TokenizeRun:
    """Cut the snippets into chunks and dispatch one task per chunk after commit.

    ``tokenized``: snippets already tokenized with the current version as they were
    written (an import with an inline engine), counted as done."""
    config = tokenizer_config(project)
    run = TokenizeRun.objects.create(
        project=project,
        tokenizer_version=config.version,
        status=JobStatus.RUNNING if snippet_ids else JobStatus.SUCCEEDED,
        started_at=timezone.now(),
        finished_at=None if snippet_ids else timezone.now(),
        progress=0.0 if snippet_ids else 1.0,
        snippets_total=len(snippet_ids) + tokenized,
        snippets_done=tokenized,
    )
    chunks = [
        TokenizeChunk(
            run=run,
            first_id=snippet_ids[start],
            last_id=snippet_ids[min(start + TOKENIZE_CHUNK_SNIPPETS, len(snippet_ids)) - 1],
            size=len(snippet_ids[start : start + TOKENIZE_CHUNK_SNIPPETS]),
        )
        for start in range(0, len(snippet_ids), TOKENIZE_CHUNK_SNIPPETS)
    ]
    TokenizeChunk.objects.bulk_create(chunks)
    run.chunks_total = len(chunks)
    run.save(update_fields=["chunks_total"])
    for chunk in chunks:
        dispatch_on_commit(PRETOKENIZE_CHUNK, chunk.id)
    return run


def _tokens_write(updates: list[tuple[int, str]], version: str) -> None:
    if not updates:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE annotation_snippet AS s SET tokens = u.tokens, tokenizer_version = %s "
                "FROM unnest(%s::bigint[], %s::text[]) AS u(id, tokens) WHERE s.id = u.id",
                [version, [row[0] for row in updates], [row[1] for row in updates]],
            )
        return
    Snippet.objects.bulk_update(
        [Snippet(id=pk, tokens=tokens, tokenizer_version=version) for pk, tokens in updates],
        ["tokens", "tokenizer_version"],
        batch_size=500,
    )


@transaction.atomic
def tokenize_chunks_resend() -> int:
    """Send again every unfinished chunk of a running tokenization; return how many.

    Called when a worker starts: a worker killed at the wrong moment can lose the message
    of the chunk it was taking (the broker hands a message over before it records it as
    unacknowledged), and only a second message gets that chunk done. Chunks are safe to
    run twice; a message already waiting in the outbox for a chunk stands for this one.
    """
    chunks = list(
        TokenizeChunk.objects.filter(done=False, run__status=JobStatus.RUNNING).values_list(
            "id", flat=True
        )
    )
    for chunk_id in chunks:
        dispatch_on_commit(PRETOKENIZE_CHUNK, chunk_id, coalesce=f"chunk:{chunk_id}")
    return len(chunks)


def tokenize_chunk_run(*, chunk_id: int) -> None:
    """Tokenize one chunk's snippets with the project's current tokenizer.

    The chunk row is locked and marked done in the same transaction as the token writes,
    so a chunk whose worker died is redone and a finished chunk is never counted twice.
    """
    with transaction.atomic():
        chunk = (
            # Lock the chunk row only: locking the joined run and project rows too would
            # make chunks of the same project wait for each other.
            TokenizeChunk.objects.select_for_update(of=("self",))
            .select_related("run__project")
            .filter(id=chunk_id)
            .first()
        )
        if chunk is None or chunk.done:
            return
        run = chunk.run
        config = tokenizer_config(run.project)
        rows = (
            Snippet.objects.filter(
                project_id=run.project_id, id__gte=chunk.first_id, id__lte=chunk.last_id
            )
            .exclude(tokenizer_version=config.version)
            .values_list("id", "text")
        )
        updates = [(pk, snippet_tokens(text, config)) for pk, text in rows]
        _tokens_write(updates, config.version)
        chunk.done = True
        chunk.save(update_fields=["done"])
        TokenizeRun.objects.filter(id=run.id).update(
            chunks_done=F("chunks_done") + 1, snippets_done=F("snippets_done") + chunk.size
        )
        TokenizeRun.objects.filter(id=run.id, chunks_done=F("chunks_total")).update(
            status=JobStatus.SUCCEEDED, progress=1.0, finished_at=timezone.now()
        )


@transaction.atomic
def tokenizer_update(
    *, project: Project, hmm: bool, words: list[UserWord], engine: str = "jieba"
) -> TokenizeRun | None:
    """Set the project's engine, HMM switch and dictionary; re-tokenize if tokens could change.

    Returns the new run (dispatched after commit), or None when nothing changed.
    """
    project = Project.objects.select_for_update(no_key=True).get(id=project.id)
    before = tokenizer_config(project).version
    DictionaryWord.objects.filter(project=project).delete()
    DictionaryWord.objects.bulk_create(
        [DictionaryWord(project=project, word=w.word, freq=w.freq, tag=w.tag or "") for w in words]
    )
    if (project.tokenizer_hmm, project.tokenizer_engine) != (hmm, engine):
        project.tokenizer_hmm = hmm
        project.tokenizer_engine = engine
        project.save(update_fields=["tokenizer_hmm", "tokenizer_engine"])
    after = tokenizer_config(project)
    if after.version == before:
        return None
    stale = (
        Snippet.objects.filter(project=project)
        .exclude(tokenizer_version=after.version)
        .order_by("id")
        .values_list("id", flat=True)
    )
    return tokenize_run_create(project=project, snippet_ids=list(stale))


def tokenize_run_fail(*, chunk_id: int) -> None:
    """Mark the run of a chunk that could not be tokenized as failed; it stays visible."""
    run_id = TokenizeChunk.objects.filter(id=chunk_id).values_list("run_id", flat=True).first()
    if run_id is None:
        return
    TokenizeRun.objects.filter(id=run_id).exclude(status=JobStatus.SUCCEEDED).update(
        status=JobStatus.FAILED, finished_at=timezone.now()
    )
