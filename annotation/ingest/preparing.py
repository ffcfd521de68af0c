"""The pure stage of an import: each record cleaned, cut, hashed and tokenized. Pure.

A big file is prepared in a pool of forked processes, one per core, while the importing
process reads the file and writes what comes back: with the reference jieba engine the
tokenizing is most of an import's work (bench/peers/doccano.py), and one process would
leave every other core idle. Results come back in file order, so both ways leave the
same rows, and the first refusal in the file is the one reported.
"""

import ctypes
import hashlib
import multiprocessing
import os
import queue
import signal
import sys
import traceback
from collections.abc import Generator, Iterable, Iterator
from dataclasses import replace
from multiprocessing.queues import Queue
from typing import Any, NamedTuple

from annotation.ingest import cleaning, formats
from annotation.ingest.tokenizer import TokenizerConfig, snippet_tokens, tokenizer_for

# Records sent to a process at a time, in characters: small enough that the pool's work
# ends close together, big enough that sending it costs little against cleaning it.
BATCH_CHARS = 64 * 1024
# Batches in flight per process: the reader stays ahead without holding the whole file.
AHEAD_PER_PROCESS = 3
_PR_SET_PDEATHSIG = 1


class PreparedSnippet(NamedTuple):
    text: str
    text_hash: str
    offset_map: str  # the flat map as JSON, written to the database as it is
    # Encoded token ends; "" when not tokenized here; None for a text this process has
    # already tokenized once in the file, which the import keeps only once.
    tokens: str | None
    suggested: list[dict]


class PreparedArticle(NamedTuple):
    title: str
    raw_start: int  # the article is ``record.text[raw_start:raw_end]``
    raw_end: int
    raw_hash: str
    snippets: list[PreparedSnippet]


# Each record of a file with its articles, in file order.
Prepared = Generator[tuple[formats.Record, list[PreparedArticle]], None, None]


def digest(text: str, size: int = 32) -> str:
    """Content hash for deduplication (formats.check_text has refused lone surrogates)."""
    return hashlib.blake2b(text.encode(), digest_size=size).hexdigest()


def json_ints(numbers: list[int]) -> str:
    """A list of integers as JSON, without the cost of json's encoder (an import writes
    one offset map a snippet)."""
    return f"[{','.join(map(str, numbers))}]"


def suggestions(record: formats.Record, snippets: list[cleaning.Piece]) -> list[list[dict]]:
    """The record's pre-annotated spans, moved into the coordinates of their snippets, and
    its classes (``{"label"}`` without offsets) on each of its snippets; its relations
    (``{"relation": type, "from": [start, end, label], "to": […]}``) and events
    (``{"event": type, "trigger": […], "arguments": [{"role", "span": […]}]}``) in the
    snippet of their spans."""
    placed: list[list[dict]] = [[] for _ in snippets]
    where: list[tuple[int, list]] = []  # each span's snippet, and the span there
    for number, (start, end, label) in enumerate(record.spans, start=1):
        for index, piece in enumerate(snippets):
            first, last = piece.clean_index(start), piece.clean_index(end - 1)
            if first is not None and last is not None:
                placed[index].append({"start": first, "end": last + 1, "label": label})
                where.append((index, [first, last + 1, label]))
                break
        else:
            raise formats.ImportFileError(
                formats.gettext_noop(
                    "span %(number)s (%(start)s–%(end)s) does not lie within one snippet "
                    "after cleaning"
                ),
                record.line,
                number=number,
                start=start,
                end=end,
            )
    _links_placed(record, where, placed)
    for suggested in placed:
        suggested += [{"label": name} for name in dict.fromkeys(record.classes)]
    if record.segmentation:
        for suggested, ends in zip(placed, _words_of(record.segmentation, snippets), strict=True):
            suggested.append({"segmentation": ends})
    return placed


def _links_placed(record: formats.Record, where: list[tuple[int, list]], placed: list) -> None:
    """The record's relations and events, each in the snippet all its spans went to."""

    apart = {
        "relation": formats.gettext_noop(
            "relation %(number)s links spans that lie in different snippets after cleaning"
        ),
        "event": formats.gettext_noop(
            "event %(number)s links spans that lie in different snippets after cleaning"
        ),
    }

    def together(kind: str, number: int, spans: list[int]) -> int:
        found = {where[span][0] for span in spans}
        if len(found) > 1:
            raise formats.ImportFileError(apart[kind], record.line, number=number)
        return found.pop()

    for number, (subject, obj, kind) in enumerate(record.relations, start=1):
        index = together("relation", number, [subject, obj])
        placed[index].append({"relation": kind, "from": where[subject][1], "to": where[obj][1]})
    for number, (trigger, kind, arguments) in enumerate(record.events, start=1):
        index = together("event", number, [trigger, *(span for _, span in arguments)])
        placed[index].append(
            {
                "event": kind,
                "trigger": where[trigger][1],
                "arguments": [{"role": role, "span": where[span][1]} for role, span in arguments],
            }
        )


def _words_of(ends: list[int], snippets: list[cleaning.Piece]) -> list[list[int]]:
    """The record's word ends in each snippet's coordinates: where a cut falls inside a
    word, the cut ends it."""
    found: list[list[int]] = []
    for piece in snippets:
        local = []
        for end in ends:
            index = piece.clean_index(end - 1)
            if index is not None:
                local.append(index + 1)
        if not local or local[-1] != len(piece.text):
            local.append(len(piece.text))
        found.append(local)
    return found


def _snippets(
    pieces: list[cleaning.Piece],
    placed: list[list[dict]],
    tokenizer: TokenizerConfig | None,
    seen: set[str] | None,
) -> list[PreparedSnippet]:
    snippets = []
    for piece, suggested in zip(pieces, placed, strict=True):
        text_hash = digest(piece.text, 16)
        tokens: str | None = ""
        if tokenizer and seen is not None and text_hash in seen:
            tokens = None
        elif tokenizer:
            tokens = snippet_tokens(piece.text, tokenizer)
            if seen is not None:
                seen.add(text_hash)
        flat = json_ints(piece.flat_map())
        snippets.append(PreparedSnippet(piece.text, text_hash, flat, tokens, suggested))
    return snippets


# What every record of a file is prepared with: its format, the cleaning options and the
# tokenizer (None: not tokenized here).
Job = tuple[str, cleaning.CleaningOptions, TokenizerConfig | None]


def prepare_record(
    record: formats.Record,
    file_format: str,
    options: cleaning.CleaningOptions,
    tokenizer: TokenizerConfig | None,
    seen: set[str] | None = None,
) -> list[PreparedArticle]:
    """The articles of one record: a plain-text page holds several, any other record one.
    With a ``tokenizer`` the snippets' tokens are cut too, but for those whose text hash is
    in ``seen``, the hashes of the texts tokenized so far, which it adds to."""
    if file_format == "text":
        articles = []
        for article in cleaning.split_page(record.text, options):
            raw = record.text[article.raw_start : article.raw_end]
            placed: list[list[dict]] = [[] for _ in article.snippets]
            articles.append(
                PreparedArticle(
                    article.title,
                    article.raw_start,
                    article.raw_end,
                    digest(raw),
                    _snippets(article.snippets, placed, tokenizer, seen),
                )
            )
        return articles
    carries = file_format in formats.PEER_FORMATS or record.annotated or bool(record.classes)
    if carries and options.annotated_exact:
        options = replace(options, exact=True)
    title, pieces = cleaning.clean_article(record.text, options, record=True)
    snippets = _snippets(pieces, suggestions(record, pieces), tokenizer, seen)
    return [
        PreparedArticle(record.title or title, 0, len(record.text), digest(record.text), snippets)
    ]


# --- the pool ------------------------------------------------------------------------------
# Processes forked by hand: multiprocessing.Process refuses to start children from a
# daemonic process, which a Celery pool process is.


def _serve(tasks: Queue, results: Queue, job: "Job") -> None:
    """A process of the pool: prepare batches until killed; never returns."""
    try:
        if sys.platform == "linux":
            # Die with the importing process: a worker killed with SIGKILL leaves no orphans.
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        # The importing process's own handlers (Celery's) are not this process's to run.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # A text repeated in the file is tokenized once in each process. The batches come
        # in file order, so the import keeps, as a rule, an occurrence tokenized here; one
        # it keeps that was not, it tokenizes itself.
        seen: set[str] = set()
        while True:
            number, records = tasks.get()
            try:
                prepared = [prepare_record(record, *job, seen) for record in records]
                results.put((number, True, prepared))
            except formats.ImportFileError as error:
                results.put((number, False, error))
            except Exception:  # noqa: BLE001 - sent back as text: it need not pickle
                results.put((number, False, traceback.format_exc()))
    finally:
        os._exit(1)  # nothing of the importing process's (atexit, connections) runs here


class _Pool:
    def __init__(self, processes: int, job: "Job") -> None:
        context = multiprocessing.get_context("fork")
        self.tasks: Queue = context.Queue()
        self.results: Queue = context.Queue()
        self.pids: list[int] = []
        for _ in range(processes):
            pid = os.fork()
            if pid == 0:
                _serve(self.tasks, self.results, job)
            self.pids.append(pid)

    def submit(self, number: int, records: list[formats.Record]) -> None:
        self.tasks.put((number, records))

    def result(self) -> tuple[int, bool, Any]:
        while True:
            try:
                return self.results.get(timeout=1)
            except queue.Empty:
                for pid in self.pids:
                    if os.waitpid(pid, os.WNOHANG) != (0, 0):
                        self.pids.remove(pid)
                        raise RuntimeError("a process preparing the import died") from None

    def close(self) -> None:
        """Stop the processes, however the import ended; they hold nothing worth a goodbye."""
        for pid in self.pids:
            os.kill(pid, signal.SIGKILL)
        for pid in self.pids:
            os.waitpid(pid, 0)
        for channel in (self.tasks, self.results):
            channel.cancel_join_thread()
            channel.close()


def _batches(records: Iterable[formats.Record]) -> Iterator[list[formats.Record]]:
    batch: list[formats.Record] = []
    size = 0
    for record in records:
        batch.append(record)
        size += len(record.text)
        if size >= BATCH_CHARS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def prepare_parallel(
    records: Iterable[formats.Record],
    file_format: str,
    options: cleaning.CleaningOptions,
    tokenizer: TokenizerConfig,
    processes: int,
) -> Prepared:
    """Each record with its articles, in file order, prepared by ``processes`` forked
    processes while the caller goes on reading ``records`` and writing what was yielded.

    A refusal raised while reading comes after those of the records read before it, as it
    would one record at a time. The pool is gone when this generator is closed.
    """
    tokenizer_for(tokenizer)  # loaded once here, shared with the processes by the fork
    pool = _Pool(processes, (file_format, options, tokenizer))
    sent: dict[int, list[formats.Record]] = {}
    arrived: dict[int, tuple[bool, Any]] = {}
    done = 0

    def next_batch() -> Iterator[tuple[formats.Record, list[PreparedArticle]]]:
        nonlocal done
        while done not in arrived:
            number, prepared, result = pool.result()
            arrived[number] = (prepared, result)
        batch = sent.pop(done)
        prepared, result = arrived.pop(done)
        done += 1
        if not prepared:  # a later batch's refusal waited for the earlier ones
            if isinstance(result, formats.ImportFileError):
                raise result
            raise RuntimeError(f"preparing records failed:\n{result}")
        yield from zip(batch, result, strict=True)

    try:
        try:
            for number, batch in enumerate(_batches(records)):
                sent[number] = batch
                pool.submit(number, batch)
                if len(sent) >= AHEAD_PER_PROCESS * processes:
                    yield from next_batch()
        except formats.ImportFileError:
            while sent:
                yield from next_batch()
            raise
        while sent:
            yield from next_batch()
    finally:
        pool.close()
