"""The character CRFs learn a standard jieba does not follow, from a few hundred examples."""

import random

import pytest

from annotation.ingest.tokenizer import TokenizerConfig, token_ends
from annotation.suggesting import crf
from annotation.suggesting.lexicon import Match

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "小明", "红梅", "志强", "秀英", "国华", "丽娟", "伟", "静", "海涛", "春生", "玉兰"]
ORGS = ["北京大学", "人民银行", "新华社", "中国科学院", "上海交通大学", "国家统计局"]
VERBS = [["在"], ["来到"], ["访问", "了"]]
ENDINGS = [["工作", "。"], ["开会", "。"], ["讲话", "，"]]


def sentence(rng: random.Random, given: list[str]) -> tuple[list[str], list[tuple[int, int, str]]]:
    """Words to the standard (a person's surname and given name apart, as People's Daily
    writes them) and the spans: 人名 over both, 机构."""
    surname, name, org = rng.choice(SURNAMES), rng.choice(given), rng.choice(ORGS)
    words = [surname, name, *rng.choice(VERBS), org, *rng.choice(ENDINGS)]
    person = (0, len(surname + name), "人名")
    start = len("".join(words[: words.index(org)]))
    return words, [person, (start, start + len(org), "机构")]


def examples(count: int, given: list[str], kind: str, seed: int) -> list[crf.Example]:
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        words, spans = sentence(rng, given)
        text = "".join(words)
        ends = [len("".join(words[: at + 1])) for at in range(len(words))]
        tokens = token_ends(text, TokenizerConfig())
        made.append(crf.Example(text, tokens, ends if kind == crf.WORDS else spans))
    return made


@pytest.fixture(scope="module")
def word_model() -> crf.Model:
    return crf.Model(crf.train(examples(200, GIVEN[:8], crf.WORDS, seed=1), crf.WORDS))


def test_the_word_model_learns_to_split_names_jieba_keeps_whole(word_model):
    held_out = examples(50, GIVEN[8:], crf.WORDS, seed=2)  # given names it never saw
    jieba_right = sum(list(e.tokens) == list(e.target) for e in held_out)

    right = sum(word_model.words(e.text, e.tokens) == list(e.target) for e in held_out)

    assert right >= 45 > jieba_right


def test_the_span_model_finds_people_and_organisations_it_never_saw_together():
    trained = crf.Model(crf.train(examples(200, GIVEN[:8], crf.SPANS, seed=3), crf.SPANS))
    held_out = examples(50, GIVEN[8:], crf.SPANS, seed=4)

    found = [{(m.start, m.end, m.label) for m in trained.spans(e.text, e.tokens)} for e in held_out]

    right = sum(spans == set(e.target) for spans, e in zip(found, held_out, strict=True))
    assert right >= 45
    assert trained.labels == ["人名", "机构"]


def test_spans_are_scored_as_probabilities():
    trained = crf.Model(crf.train(examples(100, GIVEN, crf.SPANS, seed=5), crf.SPANS))
    [example] = examples(1, GIVEN, crf.SPANS, seed=6)

    spans = trained.spans(example.text, example.tokens)

    assert spans and all(0.5 < span.score <= 1.0 for span in spans)
    assert 0.0 <= trained.uncertainty(example.text, example.tokens) < 0.5


def test_a_model_is_unsure_of_text_unlike_what_it_learned(word_model):
    familiar = examples(1, GIVEN, crf.WORDS, seed=7)[0]
    strange = "𠮷😀ＡＢＣ１２３ｘｙｚ！？"

    assert word_model.uncertainty(strange, token_ends(strange, TokenizerConfig())) > (
        word_model.uncertainty(familiar.text, familiar.tokens)
    )


def test_offsets_are_code_points_past_astral_characters():
    text = "𠮷😀王建国在北京大学工作。"
    tokens = token_ends(text, TokenizerConfig())
    example = crf.Example(text, tokens, [(2, 5, "人名"), (6, 10, "机构")])
    trained = crf.Model(crf.train([example] * 30, crf.SPANS))

    assert trained.spans(text, tokens) == [
        Match(2, 5, "人名", pytest.approx(1.0, abs=0.2)),
        Match(6, 10, "机构", pytest.approx(1.0, abs=0.2)),
    ]


def test_overlapping_spans_keep_the_earlier_longer_one_when_tagged():
    assert crf.span_tags(6, [(0, 4, "机构"), (0, 2, "地名"), (3, 6, "人名")]) == [
        "B-机构",
        "I-机构",
        "I-机构",
        "I-机构",
        "O",
        "O",
    ]


def test_the_lexicon_travels_with_the_model():
    trained = crf.Model(
        crf.train(examples(20, GIVEN, crf.SPANS, seed=8), crf.SPANS, extra=[("长江日报", "机构")])
    )

    assert "长江日报" in trained.lexicon and "北京大学" in trained.lexicon
