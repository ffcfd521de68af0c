"""A JSON file of records is read an item at a time, with the same values and the same
errors as reading it whole."""

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotation.ingest import formats
from annotation.ingest.formats import ImportFileError, read_json


@pytest.fixture
def small_reads(monkeypatch):
    """Reads of a few characters, so that items, numbers and escapes fall across them."""
    monkeypatch.setattr(formats._JsonArrayReader, "CHUNK", 3)


def items(text: str) -> list:
    return [value for _, value in read_json(io.StringIO(text))]


ITEMS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(values=st.lists(ITEMS, max_size=6), indent=st.sampled_from([None, 1, "\t"]))
def test_an_array_read_in_pieces_gives_every_item_as_read_whole(values, indent):
    text = json.dumps(values, indent=indent, ensure_ascii=False)
    formats._JsonArrayReader.CHUNK = 2
    try:
        assert items(text) == values
    finally:
        formats._JsonArrayReader.CHUNK = 1 << 20


def test_numbers_split_between_reads_are_read_whole(small_reads):
    assert items("[12345, 6789012, -1.5e10 ,\r\n 0]") == [12345, 6789012, -1.5e10, 0]
    assert items('  {"text": "𠮷野家"}  ') == [{"text": "𠮷野家"}]  # not an array: itself
    assert items(" [ ] ") == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[{"text": "a"},\n{"text": "b"}\n{"text": "c"}]', 3),  # a comma missing
        ('[{"text": "a"},\n\n{"text": "b",}]', 3),
        ('[{"text": "a"}]\n\n[1]', 3),  # something after the array
        ('[{"text": "a"},\n{"text": "b"', 2),  # the file ends inside an item
        ("[1,\n2,\n", 3),
    ],
)
def test_an_error_names_the_line_of_the_file(small_reads, text, line):
    with pytest.raises(ImportFileError) as refused:
        items(text)

    assert refused.value.line == line and "invalid JSON" in refused.value.reason
