"""A gazetteer file: strings and the labels they are given, one a line. Pure.

Each line is a string, a tab and one of the project's entity labels (``北京大学⇥机构``), or
a string alone when the upload names a label for the whole file. Blank lines and lines
starting with ``#`` are skipped. UTF-8 (with or without BOM) or GB18030, as imports are
read. Any bad line refuses the whole file, naming the line and why.
"""

from collections.abc import Collection

from annotation.core.i18n import gettext_noop
from annotation.ingest.formats import ImportFileError, detect_encoding

MAX_ENTRIES = 200_000
MAX_STRING = 100  # GazetteerEntry.string


def read_gazetteer(data: bytes, labels: Collection[str], label: str = "") -> list[tuple[str, str]]:
    """The (string, label) entries of the file, each once, in order of first appearance."""
    text = data.decode(detect_encoding(lambda: [data]))
    entries: dict[tuple[str, str], None] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        string, _, given = line.partition("\t")
        string, given = string.strip(), given.strip() or label
        if not given:
            raise ImportFileError(
                gettext_noop(
                    "no label: write the string, a tab and its label, or choose a label for "
                    "the whole file"
                ),
                number,
            )
        if given not in labels:
            raise ImportFileError(
                gettext_noop("%(label)s is not one of the project's entity labels"),
                number,
                label=given,
            )
        if len(string) > MAX_STRING:
            raise ImportFileError(
                gettext_noop("the string is longer than %(most)s characters"),
                number,
                most=MAX_STRING,
            )
        entries[(string, given)] = None
        if len(entries) > MAX_ENTRIES:
            raise ImportFileError(
                gettext_noop("a gazetteer holds at most %(most)s entries"), number, most=MAX_ENTRIES
            )
    return list(entries)
