"""Suggestion use and annotators against the model, on hand-counted cases."""

from annotation.quality.suggestion_use import ModelAgreement, SuggestionUse


def test_taken_edited_and_left_are_counted_per_engine_and_annotator():
    use = SuggestionUse()
    suggested = [(0, 2, "人名"), (3, 6, "机构"), (8, 9, "地名")]
    use.add(
        "dictionary",
        suggested,
        ["体育"],
        {
            "a1": ({(0, 2, "人名"), (3, 5, "机构")}, {"体育"}),  # taken, edited, left; class taken
            "a2": (set(), set()),  # all left
        },
    )

    results = use.results()

    [engine] = results["engines"]
    assert engine == {
        "engine": "dictionary",
        "suggested": 8,
        "taken": 2,
        "edited": 1,
        "taken_rate": 0.25,
        "edited_rate": 0.125,
    }
    a1 = next(row for row in results["annotators"] if row["annotator"] == "a1")
    assert (a1["suggested"], a1["taken"], a1["edited"]) == (4, 2, 1)


def test_an_annotator_far_from_the_model_is_flagged():
    agreement = ModelAgreement()
    model = {(0, 2, "人名"), (4, 6, "地名")}
    for _ in range(25):
        agreement.add(
            model,
            {
                "a1": set(model),
                "a2": set(model),
                "a3": {(0, 2, "人名")},  # F1 2/3 with the model
                "a4": {(1, 2, "人名")},  # F1 0
            },
        )

    results = agreement.results()

    f1 = {row["annotator"]: row["f1"] for row in results["annotators"]}
    assert f1 == {"a1": 1.0, "a2": 1.0, "a3": 0.6667, "a4": 0.0}
    assert results["median"] == 0.8333 and results["flagged"] == ["a3", "a4"]


def test_too_few_snippets_flag_nobody():
    agreement = ModelAgreement()
    for _ in range(5):
        agreement.add({"体育"}, {"a1": {"体育"}, "a2": {"经济"}, "a3": {"体育"}})

    assert agreement.results()["flagged"] == []
