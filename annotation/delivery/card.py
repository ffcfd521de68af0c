"""The dataset card: what a download holds, written beside it as Markdown."""

from collections import Counter

from django.utils import timezone
from django.utils.translation import gettext as _

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
        _("joined back into one item where every piece is annotated")
        if joins_records(job.format, job.options)
        else _("each piece is an item of its own, in the record's order")
    )
    line = _("Records cut into several snippets at import (longer than a snippet): %(count)s")
    return [f"- {line % {'count': cut}}; {how}"]


def dataset_card(
    *,
    job: ExportJob,
    labels: Counter,
    versions: Counter,
    batch_ids: set[int],
    records_cut: int,
    excluded: int,
) -> str:
    """The card's Markdown, in the language of whoever asked for the export (the caller
    activates it); qualification rates are those of the exported ``batch_ids`` (a client's
    card names no batch it may not see)."""
    project = job.project
    options = job.options
    annotations = _("every annotator's latest") if options.get("version") == "all" else _("final")
    batches = _("accepted only") if options.get("status", "accepted") == "accepted" else _("all")
    offsets = (
        _(
            "code points of the text file as uploaded, BOM and CRLF line ends counted "
            '(`"offsets": "file"`), or of the record\'s text for records of JSONL, CSV or '
            'another tool\'s file (`"record"`); each line says where its snippet lies, '
            "`raw_start`–`raw_end`"
        )
        if options.get("offsets") == "raw"
        else _("code points of each snippet's text")
    )
    ends = _("CLUENER: inclusive ends") if job.format == "cluener" else _("end-exclusive")
    tokenizers = ", ".join(f"`{v}`" for v in sorted(versions) if v) or "–"
    exported = _("Exported: %(when)s (export #%(id)s)") % {
        "when": f"{timezone.localtime():%Y-%m-%d %H:%M %Z}",
        "id": job.id,
    }
    lines = [
        f"# {_text(project.name)}",
        "",
        f"- {exported}",
        "- "
        + _("Format: %(format)s; annotations: %(annotations)s; batches: %(batches)s")
        % {"format": f"`{job.format}`", "annotations": annotations, "batches": batches},
        "- " + _("Items: %(count)s") % {"count": job.items},
        *_cut_records(job, records_cut),
        *(
            ["- " + _("Snippets the manager excluded, left out: %(count)s") % {"count": excluded}]
            if excluded
            else []
        ),
        "- " + _("Offsets: %(offsets)s, %(ends)s") % {"offsets": offsets, "ends": ends},
        "- " + _("Tokenizer: %(versions)s") % {"versions": tokenizers},
        "",
        "## " + _("Labels"),
        "",
        f"| {_('Kind')} | {_('Label')} | {_('Count')} |",
        "|---|---|---|",
    ]
    for key, count in sorted(labels.items(), key=lambda item: (-item[1], item[0])):
        kind, _colon, name = key.partition(":")
        lines.append(f"| {kind} | {_text(name)} | {count} |")
    rates = [
        row
        for row in qualification(project=project)["batches"]
        if row["rate"] is not None and row["id"] in batch_ids
    ]
    lines += ["", "## " + _("Qualification (review sample, first round)"), ""]
    if rates:
        head = (_("Batch"), _("Reviewed"), _("Accepted"), _("Rate"), _("Interval of 95 percent"))
        lines += ["| " + " | ".join(head) + " |", "|---|---|---|---|---|"]
        for row in rates:
            low, high = row["interval"] or ["–", "–"]
            lines.append(
                f"| {_text(row['name'])} | {row['reviewed']} | {row['accepted']} | {row['rate']} % "
                f"| {low}–{high} % |"
            )
    else:
        lines.append(_("No review yet."))
    run = quality_run_latest(project=project)
    lines += ["", "## " + _("Agreement between annotators"), ""]
    if run:
        results = run.results
        classes, spans = results.get("classes", {}), results.get("spans", {})
        lines += [
            _("Quality run of %(when)s, %(count)s snippets with two or more annotators.")
            % {
                "when": f"{timezone.localtime(run.finished_at):%Y-%m-%d %H:%M}",
                "count": results.get("snippets", 0),
            },
            "",
            "- "
            + _("Classes: Cohen's κ %(cohen)s, Fleiss' κ %(fleiss)s, Krippendorff's α %(alpha)s")
            % {
                "cohen": _figure(classes.get("cohen_kappa")),
                "fleiss": _figure(classes.get("fleiss_kappa")),
                "alpha": _figure(classes.get("krippendorff_alpha")),
            },
            "- "
            + _("Spans: F1 exact %(exact)s, overlap %(overlap)s")
            % {
                "exact": _figure(spans.get("f1_exact")),
                "overlap": _figure(spans.get("f1_overlap")),
            },
        ]
    else:
        lines.append(_("No quality run yet."))
    lines += ["", "## " + _("Left out by the format"), ""]
    if job.dropped:
        lines += [f"- {_(reason)}: {count}" for reason, count in sorted(job.dropped.items())]
    else:
        lines.append(_("Nothing."))
    return "\n".join(lines) + "\n"
