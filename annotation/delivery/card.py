"""The dataset card: what a download holds, written beside it as Markdown."""

from collections import Counter

from django.utils import timezone

from annotation.delivery.formats import joins_records
from annotation.models import ExportJob
from annotation.quality.selectors import qualification, quality_run_latest

_ESCAPED = {char: f"\\{char}" for char in "\\`*_[]()#|<>!~"}
_MARKDOWN = str.maketrans(_ESCAPED | {"\n": " ", "\r": " "})


def _text(value: str) -> str:
    """A user's text (a project, label or batch name) as Markdown shows it, literally: no
    link, image, HTML or table cell it could open, on one line."""
    return value.translate(_MARKDOWN)


def _figure(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _cut_records(job: ExportJob, cut: int) -> list[str]:
    """A line for the records of the exported batches that were longer than a snippet and
    were cut into several at import."""
    if not cut:
        return []
    how = (
        "joined back into one item where every piece is annotated"
        if joins_records(job.format, job.options)
        else "each piece is an item of its own, in the record's order"
    )
    return [f"- Records cut into several snippets at import (longer than a snippet): {cut}; {how}"]


def dataset_card(
    *,
    job: ExportJob,
    labels: Counter,
    versions: Counter,
    batch_ids: set[int],
    records_cut: int,
) -> str:
    """The card's Markdown; qualification rates are those of the exported ``batch_ids``
    (a client's card names no batch it may not see)."""
    project = job.project
    options = job.options
    lines = [
        f"# {_text(project.name)}",
        "",
        f"- Exported: {timezone.localtime():%Y-%m-%d %H:%M %Z} (export #{job.id})",
        f"- Format: `{job.format}`; annotations: "
        + ("every annotator's latest" if options.get("version") == "all" else "final")
        + "; batches: "
        + ("accepted only" if options.get("status", "accepted") == "accepted" else "all"),
        f"- Items: {job.items}",
        *_cut_records(job, records_cut),
        "- Offsets: code points of "
        + (
            'the text file as uploaded, BOM and CRLF line ends counted (`"offsets": '
            "\"file\"`), or of the record's text for records of JSONL, CSV or another tool's "
            'file (`"record"`); each line says where its snippet lies, `raw_start`–`raw_end`'
            if options.get("offsets") == "raw"
            else "each snippet's text"
        )
        + ", end-exclusive"
        + (" (CLUENER: inclusive ends)" if job.format == "cluener" else ""),
        "- Tokenizer: " + (", ".join(f"`{v}`" for v in sorted(versions) if v) or "–"),
        "",
        "## Labels",
        "",
        "| Kind | Label | Count |",
        "|---|---|---|",
    ]
    for key, count in sorted(labels.items(), key=lambda item: (-item[1], item[0])):
        kind, _, name = key.partition(":")
        lines.append(f"| {kind} | {_text(name)} | {count} |")
    rates = [
        row
        for row in qualification(project=project)["batches"]
        if row["rate"] is not None and row["id"] in batch_ids
    ]
    lines += ["", "## Qualification (review sample, first round)", ""]
    if rates:
        lines += ["| Batch | Reviewed | Accepted | Rate | 95 % interval |", "|---|---|---|---|---|"]
        for row in rates:
            low, high = row["interval"] or ["–", "–"]
            lines.append(
                f"| {_text(row['name'])} | {row['reviewed']} | {row['accepted']} | {row['rate']} % "
                f"| {low}–{high} % |"
            )
    else:
        lines.append("No review yet.")
    run = quality_run_latest(project=project)
    lines += ["", "## Agreement between annotators", ""]
    if run:
        results = run.results
        classes, spans = results.get("classes", {}), results.get("spans", {})
        lines += [
            f"Quality run of {timezone.localtime(run.finished_at):%Y-%m-%d %H:%M}, "
            f"{results.get('snippets', 0)} snippets with two or more annotators.",
            "",
            f"- Classes: Cohen's κ {_figure(classes.get('cohen_kappa'))}, Fleiss' κ "
            f"{_figure(classes.get('fleiss_kappa'))}, Krippendorff's α "
            f"{_figure(classes.get('krippendorff_alpha'))}",
            f"- Spans: F1 exact {_figure(spans.get('f1_exact'))}, overlap "
            f"{_figure(spans.get('f1_overlap'))}",
        ]
    else:
        lines.append("No quality run yet.")
    lines += ["", "## Left out by the format", ""]
    if job.dropped:
        lines += [f"- {reason}: {count}" for reason, count in sorted(job.dropped.items())]
    else:
        lines.append("Nothing.")
    return "\n".join(lines) + "\n"
