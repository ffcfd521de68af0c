import codecs

import pytest

from annotation.ingest.formats import ImportFileError
from annotation.suggesting.gazetteer import read_gazetteer

LABELS = {"地名", "机构"}


def test_lines_give_strings_and_labels_each_once_in_order():
    data = (
        codecs.BOM_UTF8
        + "# 一行注释\n北京\t地名\n\n  新华社 \t 机构 \n北京\t地名\r\n𠮷野家\n".encode()
    )

    assert read_gazetteer(data, LABELS, label="机构") == [
        ("北京", "地名"),
        ("新华社", "机构"),
        ("𠮷野家", "机构"),
    ]


@pytest.mark.parametrize(
    ("content", "line", "says"),
    [
        ("北京\t地名\n上海\n", 2, "no label"),
        ("北京\t城市\n", 1, "城市 is not one"),
        ("北京\t地名\n" + "长" * 101 + "\t地名\n", 2, "longer than 100"),
    ],
)
def test_a_bad_line_is_named_with_why(content, line, says):
    with pytest.raises(ImportFileError) as refused:
        read_gazetteer(content.encode("gb18030"), LABELS)

    assert refused.value.line == line and says in refused.value.reason


def test_a_file_that_is_not_text_is_refused():
    with pytest.raises(ImportFileError):
        read_gazetteer(b"PK\x03\x04zip", LABELS)
