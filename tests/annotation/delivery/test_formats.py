"""Export formats written and read back: texts, offsets and labels come back equal, with
𠮷 and emoji before spans, adjacent and overlapping spans; what a format cannot hold is
counted, never dropped silently."""

import csv
import io
import json
import random

import pytest

from annotation.core.tags import SCHEMES, TagError, spans_to_tags, tags_to_spans
from annotation.delivery.formats import (
    BLANK_SPANS,
    NO_CLASSES,
    NO_META,
    NO_WORDS,
    OVERLAPPING,
    WHITESPACE,
    Item,
    writer_for,
)
from annotation.ingest.formats import ImportFileError, read_records
from annotation.ingest.peers import read_peer_records
from tests.factories import random_spans

TEXT = "𠮷野家😀在北京开了新店，张三说：好！"
# 𠮷 and 😀 are one code point each (two UTF-16 units): 北京 is 5–7, 张三 12–14.
ADJACENT = ((5, 7, "地名"), (7, 9, "动作"), (12, 14, "人名"))
OVERLAPPING_SPANS = ((0, 3, "机构"), (0, 1, "字"), (12, 14, "人名"))


def written(name: str, items: list[Item], **options) -> tuple[str, object]:
    writer = writer_for(name, **options)
    return writer.head + "".join(writer.write(item) for item in items) + writer.tail, writer


def read(name: str, content: str) -> list:
    return list(read_peer_records(io.TextIOWrapper(io.BytesIO(content.encode())), name))


@pytest.mark.parametrize("name", ["doccano", "cluener", "conll-bio", "conll-bioes", "conll-bmes"])
def test_spans_come_back_equal(name):
    items = [Item(1, TEXT, ADJACENT), Item(2, "深圳也不错。", ())]
    if name in ("doccano", "cluener"):  # these hold overlapping spans too
        items.append(Item(3, TEXT, OVERLAPPING_SPANS))

    content, writer = written(name, items)
    records = read(name, content)

    assert [(r.text, sorted(r.spans)) for r in records] == [
        (item.text, sorted(item.spans)) for item in items
    ]
    assert not writer.dropped


@pytest.mark.parametrize("scheme", SCHEMES)
def test_conll_counts_the_overlapping_spans_it_cannot_hold(scheme):
    content, writer = written(f"conll-{scheme}", [Item(1, TEXT, OVERLAPPING_SPANS)])

    [record] = read(f"conll-{scheme}", content)

    assert record.spans == [(0, 3, "机构"), (12, 14, "人名")]  # the longer one kept
    assert writer.dropped == {OVERLAPPING: 1}


def test_conll_leaves_whitespace_out_and_says_so():
    content, writer = written("conll-bio", [Item(1, "iPhone 15 发布", ((0, 9, "产品"),))])

    lines = content.split("\n")
    assert len(lines) == 10 + 2 and all(line[:1].strip() for line in lines[:10])
    assert writer.dropped == {WHITESPACE: 2}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_conll_closes_a_span_that_ends_or_starts_on_a_space(scheme):
    """Tagged after the whitespace is left out: an entity ending on a space still gets its
    closing tag, the file reads back, and seqeval's strict mode keeps the entity."""
    text = "发布 iPhone 15 ，在 北京 。"
    place = text.index("iPhone")
    spans = ((place - 1, place + 10, "产品"), (text.index("北京"), text.index("北京") + 3, "地名"))
    content, writer = written(f"conll-{scheme}", [Item(1, text, spans)])

    [record] = read(f"conll-{scheme}", content)

    squeezed = "".join(text.split())
    assert record.text == squeezed
    assert [(squeezed[a:b], label) for a, b, label in record.spans] == [
        ("iPhone15", "产品"),
        ("北京", "地名"),
    ]
    assert writer.dropped == {WHITESPACE: text.count(" ")}


def test_conll_counts_a_span_of_whitespace_only():
    _, writer = written("conll-bioes", [Item(1, "北京 上海", ((2, 3, "空"), (0, 2, "地名")))])

    assert writer.dropped == {WHITESPACE: 1, BLANK_SPANS: 1}


def test_spans_only_formats_count_the_classes_they_drop():
    _, writer = written("cluener", [Item(1, TEXT, ADJACENT, classes=("正面",))])
    assert writer.dropped == {NO_CLASSES: 1}


def test_doccano_classes_and_spans_beside_them():
    both, _ = written("doccano", [Item(1, TEXT, ADJACENT, classes=("正面",))])
    only, _ = written("doccano", [Item(1, TEXT, (), classes=("正面", "新闻"))], kinds=["classes"])

    assert json.loads(both)["cats"] == ["正面"]
    assert json.loads(only)["label"] == ["正面", "新闻"]
    assert [r.classes for r in read("doccano", both + only)] == [["正面"], ["正面", "新闻"]]


def test_cluener_ends_are_inclusive():
    content, _ = written("cluener", [Item(1, TEXT, ADJACENT)])
    assert json.loads(content)["label"]["地名"] == {"北京": [[5, 6]]}


def test_own_jsonl_carries_the_covered_text_and_the_work():
    item = Item(7, TEXT, ADJACENT, ("正面",), (3, 5, 7, 20), "a1", 2, "accepted", False, "第一包")
    content, _ = written("jsonl", [item])

    record = json.loads(content)
    assert record["spans"][0] == {"start": 5, "end": 7, "label": "地名", "text": "北京"}
    assert (
        record["annotator"] == "a1" and record["revision"] == 2 and record["review"] == "accepted"
    )
    assert record["segmentation"] == [3, 5, 7, 20] and record["batch"] == "第一包"


def test_segmented_and_word_pos():
    item = Item(1, "我爱 北京天安门", (), segmentation=(1, 2, 3, 5, 8))
    segmented, writer = written("segmented", [item, Item(2, "无分词")])
    tagged, _ = written("word-pos", [item], tag_of={"我": "r", "爱": "v"}.get)

    assert segmented == "我 爱 北京 天安门\n"
    assert writer.dropped == {WHITESPACE: 1, NO_WORDS: 1}  # the space, the unsegmented
    assert tagged == "我/r 爱/v 北京/None 天安门/None\n"


def test_csv_of_classes():
    items = [
        Item(1, '好，"真的"', (), ("正面", "新闻"), annotator="a1"),
        Item(2, "一般", meta={"编号": "A-2", "n": 2}),
    ]
    content, _ = written("csv", items)
    assert content == (
        "id,text,classes,annotator,meta\r\n"
        '1,"好，""真的""",正面|新闻,a1,\r\n'
        '2,一般,,,"{""编号"":""A-2"",""n"":2}"\r\n'
    )


FORMULAS = ["=1+1", "+86 电话", "-5度", "@某人", "\t制表", "＝SUM(A1)", "'引号开头", "正常"]


def test_csv_cells_never_start_a_formula_and_read_back_as_they_were():
    """A client opening the file in a spreadsheet sees text, never a formula it runs; our
    own import takes the escaping quote off again."""
    items = [Item(n, text, (), ("=分类",), annotator="@甲") for n, text in enumerate(FORMULAS)]
    content, _ = written("csv", items)

    rows = list(csv.reader(io.StringIO(content)))[1:]
    assert not any(cell and cell[0] in "=+-@\t＝＋－＠" for row in rows for cell in row[1:])
    data = content.encode()
    records = list(read_records(lambda: [data], file_format="csv", encoding="utf-8"))
    assert [record.text for record in records] == FORMULAS
    assert {tuple(record.classes) for record in records} == {("=分类",)}


@pytest.mark.parametrize("name", ["jsonl", "doccano", "cluener"])
def test_record_formats_carry_the_records_own_fields(name):
    meta = {"客户编号": "A-17", "row": 3}
    item = Item(1, "北京见。", ((0, 2, "地名"),), meta=meta, title="标题", source="客户.jsonl")
    content, writer = written(name, [item])

    record = json.loads(content)
    assert record["meta"] == meta
    assert not writer.dropped
    if name == "jsonl":
        assert (record["title"], record["source"]) == ("标题", "客户.jsonl")


@pytest.mark.parametrize(
    "name", ["conll-bio", "conll-bioes", "conll-bmes", "segmented", "word-pos"]
)
def test_formats_without_records_count_the_fields_they_leave_out(name):
    items = [
        Item(1, "北京见。", ((0, 2, "地名"),), segmentation=(2, 3, 4), meta={"id": "A-1"}),
        Item(2, "再见。", (), segmentation=(2, 3)),
    ]
    _, writer = written(name, items)

    assert writer.dropped[NO_META] == 1


@pytest.mark.parametrize(
    "tags, scheme, where",
    [
        (["I-PER", "O"], "bio", 0),
        (["B-PER", "I-LOC"], "bio", 1),
        (["B-PER", "M-PER"], "bmes", 1),
        (["B-PER", "O"], "bioes", 1),
        (["X-PER"], "bio", 0),
    ],
)
def test_tag_sequences_that_spell_no_spans_are_refused_where(tags, scheme, where):
    with pytest.raises(TagError) as refused:
        tags_to_spans(tags, scheme)
    assert refused.value.index == where


def test_tags_round_trip_on_random_spans():
    chance = random.Random(7)
    for _ in range(300):
        spans = random_spans(chance, 30, "AB")
        for scheme in SCHEMES:
            tags, dropped = spans_to_tags(30, spans, scheme)
            assert dropped == 0 and tags_to_spans(tags, scheme) == spans


def test_label_studio_offsets_in_code_points_or_old_utf16_units():
    def task(start, end):
        value = {"start": start, "end": end, "text": "北京", "labels": ["地名"]}
        result = [
            {"type": "labels", "value": value},
            {"type": "choices", "value": {"choices": ["正面"]}},
        ]
        return {"data": {"text": TEXT}, "annotations": [{"result": result}]}

    records = read("label-studio", json.dumps([task(5, 7), task(7, 9)], ensure_ascii=False))

    assert [r.spans for r in records] == [[(5, 7, "地名")], [(5, 7, "地名")]]
    assert records[0].classes == ["正面"]
    with pytest.raises(ImportFileError) as refused:
        read("label-studio", json.dumps([task(5, 7), task(1, 3)], ensure_ascii=False))
    assert refused.value.line == 2 and "北京" in refused.value.reason


def test_old_label_studio_units_are_read_alike_for_every_region_of_the_file():
    """Two emoji before a repeated name: the first name's UTF-16 offsets, read as code
    points, land on the second name. The other region shows the file counts in UTF-16."""
    text = "😀😀北京北京"

    def task(*regions):
        result = [
            {"type": "labels", "value": {"start": s, "end": e, "text": "北京", "labels": ["地名"]}}
            for s, e in regions
        ]
        return {"data": {"text": text}, "annotations": [{"result": result}]}

    both = read("label-studio", json.dumps([task((4, 6), (6, 8))], ensure_ascii=False))
    later = read("label-studio", json.dumps([task((6, 8)), task((4, 6))], ensure_ascii=False))

    assert both[0].spans == [(2, 4, "地名"), (4, 6, "地名")]
    assert [r.spans for r in later] == [[(4, 6, "地名")], [(2, 4, "地名")]]


def test_a_cluener_place_that_does_not_hold_its_string_names_the_line():
    good = json.dumps({"text": TEXT, "label": {"地名": {"北京": [[5, 6]]}}}, ensure_ascii=False)
    bad = json.dumps({"text": TEXT, "label": {"地名": {"北京": [[4, 5]]}}}, ensure_ascii=False)
    with pytest.raises(ImportFileError) as refused:
        read("cluener", f"{good}\n{bad}\n")
    assert refused.value.line == 2


def test_label_studios_conll_2003_export_reads_as_words():
    content = (
        "-DOCSTART- -X- O\n"
        "张三 -X- _ B-人名\n在 -X- _ O\n北京 -X- _ B-地名\n工作 -X- _ O\n"
        "Apple -X- _ B-机构\nInc -X- _ I-机构\n. -X- _ O\n\n"
        "小明 -X- _ B-人名\n来 -X- _ O\n"
    )

    first, second = read("conll-bio", content)

    assert first.text == "张三在北京工作Apple Inc."
    assert [(first.text[a:b], label) for a, b, label in first.spans] == [
        ("张三", "人名"),
        ("北京", "地名"),
        ("Apple Inc", "机构"),
    ]
    assert (second.text, second.spans, second.line) == ("小明来", [(0, 2, "人名")], 10)


def test_a_broken_conll_names_its_line():
    with pytest.raises(ImportFileError) as refused:
        read("conll-bio", "北 B-地名\n京 I-地名\n\n张 I-人名\n三 I-人名\n")
    assert refused.value.line == 4


def test_a_label_studio_result_that_is_not_an_object_names_its_task():
    good = {"data": {"text": TEXT}, "annotations": [{"result": []}]}
    bad = {"data": {"text": TEXT}, "annotations": [{"result": ["北京"]}]}
    with pytest.raises(ImportFileError) as refused:
        read("label-studio", json.dumps([good, bad], ensure_ascii=False))
    assert refused.value.line == 2


@pytest.mark.parametrize(
    "name, record",
    [
        ("doccano", {"text": TEXT, "label": "正面"}),  # a string, not a list of labels
        ("doccano", {"text": TEXT, "cats": [1]}),
        ("cluener", {"text": TEXT, "label": {"地名": ["北京"]}}),
        ("cluener", {"text": TEXT, "label": {"地名": {"北京": [5, 6]}}}),
    ],
)
def test_a_malformed_record_names_its_line(name, record):
    good = json.dumps({"text": TEXT}, ensure_ascii=False)
    with pytest.raises(ImportFileError) as refused:
        read(name, f"{good}\n{json.dumps(record, ensure_ascii=False)}\n")
    assert refused.value.line == 2
