"""The class model learns a project's classes from a few dozen examples."""

import random

import pytest

from annotation.suggesting import classes

SPORT = ["足球", "比赛", "球队", "进球", "冠军", "联赛", "教练"]
ECONOMY = ["市场", "经济", "价格", "增长", "投资", "企业", "银行"]
FILLER = ["今天", "记者", "报道", "表示", "我们", "已经"]


def texts(rng: random.Random, words: list[str], count: int) -> list[str]:
    return ["".join(rng.choice(words + FILLER) for _ in range(8)) for _ in range(count)]


def test_the_best_class_is_suggested_with_its_probability():
    rng = random.Random(1)
    sport, economy = texts(rng, SPORT, 30), texts(rng, ECONOMY, 30)
    model = classes.Model(
        classes.train(sport + economy, [["体育"]] * 30 + [["经济"]] * 30, multi_label=False)
    )

    [suggested] = model.classes("球队在联赛中进球夺得冠军")

    assert suggested.label == "体育" and suggested.score > 0.6
    assert model.labels == ["体育", "经济"]
    assert sum(model.probabilities(["市场价格"])[0]) == pytest.approx(1.0)
    assert model.margin("球队进球冠军") > model.margin("今天记者报道")


def test_with_several_classes_a_snippet_every_likely_one_is_suggested():
    rng = random.Random(2)
    both = ["".join(rng.choice(SPORT + ECONOMY) for _ in range(10)) for _ in range(30)]
    sport, economy = texts(rng, SPORT, 30), texts(rng, ECONOMY, 30)
    model = classes.Model(
        classes.train(
            sport + economy + both,
            [["体育"]] * 30 + [["经济"]] * 30 + [["体育", "经济"]] * 30,
            multi_label=True,
        )
    )

    found = {s.label for s in model.classes("球队投资企业联赛进球银行市场冠军")}

    assert found == {"体育", "经济"}


def test_a_model_without_classes_suggests_nothing():
    model = classes.Model(classes.train(["没有类别"], [[]], multi_label=False))

    assert model.classes("任何文字") == [] and model.margin("任何文字") == 1.0
