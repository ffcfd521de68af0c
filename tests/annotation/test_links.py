"""Relations and events between spans: their schema checks and their stored form (pure)."""

import pytest

from annotation.core.links import EventType, LinkSchema, RelationType, Role, links_checked
from annotation.core.validation import AnnotationError

# 张三任职于北京大学，李四在上海。
ZHANG = {"start": 0, "end": 2, "label": "人名"}
PKU = {"start": 5, "end": 9, "label": "机构"}
LI = {"start": 10, "end": 12, "label": "人名"}
SHANGHAI = {"start": 13, "end": 15, "label": "地名"}
WORKS = {"start": 2, "end": 5, "label": "触发词"}

SCHEMA = LinkSchema(
    relations={
        "任职于": RelationType(subjects=frozenset({"人名"}), objects=frozenset({"机构"})),
        "同事": RelationType(
            directed=False, subjects=frozenset({"人名"}), objects=frozenset({"人名"})
        ),
        "相关": RelationType(),
    },
    events={
        "任职": EventType(
            trigger="触发词",
            roles={
                "任职者": Role(labels=frozenset({"人名"}), least=1, most=1),
                "机构": Role(labels=frozenset({"机构"}), least=0, most=2),
            },
        )
    },
)


def named(span, name):
    return {**span, "id": name}


def test_the_stored_form_numbers_spans_in_order_and_names_them_so():
    spans = [named(LI, "b"), named(PKU, "x"), named(ZHANG, "a")]
    body = {"relations": [{"from": "a", "to": "x", "type": "任职于"}]}

    stored = links_checked(body, spans, SCHEMA)

    assert stored["spans"] == [ZHANG, PKU, LI]  # T1, T2, T3
    assert stored["relations"] == [{"id": "R1", "from": "T1", "to": "T2", "type": "任职于"}]


def test_one_annotation_reads_the_same_whoever_made_it():
    mine = links_checked(
        {
            "relations": [
                {"from": "p2", "to": "p1", "type": "同事"},
                {"from": "p1", "to": "o", "type": "任职于"},
            ]
        },
        [named(ZHANG, "p1"), named(PKU, "o"), named(LI, "p2")],
        SCHEMA,
    )
    theirs = links_checked(
        {
            "relations": [
                {"from": "1", "to": "2", "type": "任职于"},
                {"from": "1", "to": "3", "type": "同事"},  # undirected: either way round
            ]
        },
        [named(LI, "3"), named(ZHANG, "1"), named(PKU, "2")],
        SCHEMA,
    )

    assert mine == theirs


def test_an_event_with_its_arguments_in_order():
    spans = [named(ZHANG, "z"), named(WORKS, "w"), named(PKU, "p")]
    body = {
        "events": [
            {
                "trigger": "w",
                "type": "任职",
                "arguments": [{"role": "机构", "span": "p"}, {"role": "任职者", "span": "z"}],
            }
        ]
    }

    stored = links_checked(body, spans, SCHEMA)

    assert stored["events"] == [
        {
            "id": "E1",
            "trigger": "T2",
            "type": "任职",
            "arguments": [{"role": "任职者", "span": "T1"}, {"role": "机构", "span": "T3"}],
        }
    ]


@pytest.mark.parametrize(
    ("relation", "said"),
    [
        ({"from": "a", "to": "x", "type": "雇佣"}, "雇佣"),
        ({"from": "a", "to": "nowhere", "type": "任职于"}, "nowhere"),
        ({"from": "x", "to": "a", "type": "任职于"}, "机构"),  # a subject labelled 机构
        ({"from": "a", "to": "s", "type": "任职于"}, "地名"),
        ({"from": "a", "to": "a", "type": "相关"}, "itself"),
    ],
)
def test_a_relation_the_schema_forbids_is_refused_naming_it(relation, said):
    spans = [named(ZHANG, "a"), named(PKU, "x"), named(SHANGHAI, "s")]
    body = {"relations": [{"from": "a", "to": "x", "type": "任职于"}, relation]}

    with pytest.raises(AnnotationError) as refused:
        links_checked(body, spans, SCHEMA)

    assert refused.value.field == "relations" and refused.value.index == 1
    assert said in str(refused.value)


def test_the_same_relation_twice_is_refused_either_way_round_when_undirected():
    spans = [named(ZHANG, "a"), named(LI, "b")]
    body = {
        "relations": [
            {"from": "a", "to": "b", "type": "同事"},
            {"from": "b", "to": "a", "type": "同事"},
        ]
    }

    with pytest.raises(AnnotationError, match="twice"):
        links_checked(body, spans, SCHEMA)


@pytest.mark.parametrize(
    ("event", "said"),
    [
        (
            {"trigger": "z", "type": "任职", "arguments": [{"role": "任职者", "span": "z"}]},
            "触发词",
        ),
        ({"trigger": "w", "type": "任职", "arguments": [{"role": "老板", "span": "z"}]}, "老板"),
        ({"trigger": "w", "type": "任职", "arguments": [{"role": "任职者", "span": "p"}]}, "机构"),
        ({"trigger": "w", "type": "任职", "arguments": []}, "1 to 1"),  # 任职者 is required
        (
            {
                "trigger": "w",
                "type": "任职",
                "arguments": [{"role": "任职者", "span": "z"}, {"role": "任职者", "span": "l"}],
            },
            "1 to 1",
        ),
    ],
)
def test_an_event_the_schema_forbids_is_refused_naming_why(event, said):
    spans = [named(ZHANG, "z"), named(WORKS, "w"), named(PKU, "p"), named(LI, "l")]

    with pytest.raises(AnnotationError) as refused:
        links_checked({"events": [event]}, spans, SCHEMA)

    assert refused.value.field == "events" and said in str(refused.value)


@pytest.mark.parametrize("ids", [("a", "a"), ("", "b"), ("x" * 33, "b"), (7, "b")])
def test_span_ids_are_short_strings_given_once(ids):
    spans = [named(ZHANG, ids[0]), named(LI, ids[1])]

    with pytest.raises(AnnotationError) as refused:
        links_checked({}, spans, SCHEMA)

    assert refused.value.field == "spans"
