"""Our classes CSV, as the export writes it and the import reads it back: its columns,
and how a cell is kept from running as a spreadsheet formula. Pure.

A cell starting with what a spreadsheet reads as a formula (with the full-width forms
Excel folds to them) gets a leading quote, as OWASP advises; a cell already starting with
the quote gets another, so that reading takes exactly one off.
"""

COLUMNS = ("id", "text", "classes", "annotator", "meta")
FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠'")


def escaped(value: str) -> str:
    """The cell a spreadsheet shows as text."""
    return f"'{value}" if value[:1] in FORMULA_STARTS else value


def unescaped(cell: str) -> str:
    """The value an escaped cell was written from."""
    return cell[1:] if cell[:1] == "'" else cell
