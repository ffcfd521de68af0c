"""Cleaning and cutting, on the seed pages and on hand-made cases. No database."""

from pathlib import Path

import pytest

from annotation.core.pieces import Piece
from annotation.ingest.cleaning import CleaningOptions, clean_article, split_page

SEEDS = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))
FULL_TO_HALF = {"，": ",", "；": ";", "：": ":", "！": "!", "？": "?", "（": "(", "）": ")"}


DEFAULTS = CleaningOptions()


def all_snippets(raw: str, options: CleaningOptions = DEFAULTS):
    for article in split_page(raw, options):
        article_raw = raw[article.raw_start : article.raw_end]
        for snippet in article.snippets:
            yield article_raw, snippet


def assert_maps_back(article_raw: str, snippet: Piece) -> None:
    """Every snippet character is its raw character, or that character's cleaned form."""
    for index, char in enumerate(snippet.text):
        raw_char = article_raw[snippet.raw_index(index)]
        assert (
            raw_char == char
            or FULL_TO_HALF.get(char) == raw_char
            or (char == " " and raw_char == "\n")
        ), (index, char, raw_char, snippet.text)


@pytest.fixture(scope="module")
def seed_texts():
    return [path.read_text(encoding="utf-8") for path in SEEDS]


def test_the_four_seed_pages_are_there(seed_texts):
    assert len(seed_texts) == 4


def test_every_snippet_maps_back_to_the_same_raw_characters(seed_texts):
    count = 0
    for raw in seed_texts:
        for article_raw, snippet in all_snippets(raw):
            assert_maps_back(article_raw, snippet)
            count += 1
    assert count > 100


def test_a_sentence_broken_across_a_blank_line_is_joined(seed_texts):
    texts = [snippet.text for raw in seed_texts for _, snippet in all_snippets(raw)]
    assert any("企业当前日均处理10万帧图像" in text for text in texts)
    assert not any(text.startswith("理10万帧图像") for text in texts)


def test_narrow_columns_are_reflowed(seed_texts):
    texts = [snippet.text for _, snippet in all_snippets(seed_texts[2])]
    assert any("山东省数字经济发展联席会议办公室公布了2024年度省级示范型" in t for t in texts)
    assert any("在2024轴承产业供需对接暨智能制造合作交流大会" in t for t in texts)


def test_spaces_between_chinese_characters_are_removed(seed_texts):
    texts = [snippet.text for _, snippet in all_snippets(seed_texts[1])]
    assert any("正在电脑前" in text for text in texts)
    assert not any("正 在" in text for text in texts)


def test_half_width_commas_in_chinese_sentences_become_full_width(seed_texts):
    texts = [snippet.text for _, snippet in all_snippets(seed_texts[0])]
    assert any(text.startswith("12月19日，东昌府区") for text in texts)
    for text in texts:
        for index, char in enumerate(text[1:-1], start=1):
            if char == ",":
                assert not ("\u4e00" <= text[index - 1] <= "\u9fff"), text


def test_headings_become_titles_and_pages_split_into_articles(seed_texts):
    articles = split_page(seed_texts[1], CleaningOptions())
    titles = [article.title for article in articles]
    assert len(articles) >= 5
    assert titles[0].startswith("济南出台一揽子扶持政策")
    assert any(title.startswith('数据标注产业"起跑"正当其时') for title in titles)
    # The articles' raw slices cover the page exactly, in order.
    assert articles[0].raw_start == 0
    for before, after in zip(articles, articles[1:], strict=False):
        assert before.raw_end == after.raw_start
    assert articles[-1].raw_end == len(seed_texts[1])


def test_snippets_respect_the_maximum_and_cut_at_sentence_ends(seed_texts):
    options = CleaningOptions(max_snippet_chars=120)
    for raw in seed_texts:
        for _, snippet in all_snippets(raw, options):
            assert 0 < len(snippet.text) <= 120


def test_long_paragraph_is_cut_after_sentence_end_with_closing_quote():
    sentence = "他说：“" + "数据标注" * 20 + "。”"
    raw = sentence * 5
    _, snippets = clean_article(raw, CleaningOptions(max_snippet_chars=200))
    assert [snippet.text for snippet in snippets] == [sentence * 2, sentence * 2, sentence]


def test_offsets_are_code_points_with_astral_characters_and_emoji():
    raw = "𠮷野家 的 👩‍👩‍👧 牛肉饭,\n很好吃。"
    _, [snippet] = clean_article(raw, CleaningOptions())
    # Spaces go only between Chinese characters; those beside the emoji stay.
    assert snippet.text == "𠮷野家的 👩‍👩‍👧 牛肉饭，很好吃。"
    start = snippet.text.index("牛肉饭")
    raw_start, raw_end = snippet.raw_span(start, start + 3)
    assert raw[raw_start:raw_end] == "牛肉饭"
    assert snippet.raw_span(0, 1) == (0, 1)  # 𠮷 is one code point


def test_latin_words_broken_over_lines_keep_a_space():
    _, [snippet] = clean_article("我们使用 Label\nStudio 标注数据，很顺手。", CleaningOptions())
    assert snippet.text == "我们使用 Label Studio 标注数据，很顺手。"


def test_brackets_are_converted_in_pairs():
    _, [snippet] = clean_article("行动方案 (2025-2026年)》公布。", CleaningOptions())
    assert "（2025-2026年）" in snippet.text
    _, [english] = clean_article("see (page 3), then go!", CleaningOptions())
    assert english.text == "see (page 3), then go!"


def test_cleaning_steps_can_be_turned_off():
    options = CleaningOptions(reflow=False, remove_cjk_spaces=False, normalize_punctuation=False)
    _, snippets = clean_article("正 在电脑前,\n工作。", options)
    assert [snippet.text for snippet in snippets] == ["正 在电脑前,", "工作。"]


def test_text_is_never_nfkc_normalised():
    _, [snippet] = clean_article("ＡＢＣ全角字母和①号。", CleaningOptions())
    assert snippet.text == "ＡＢＣ全角字母和①号。"


def test_a_record_that_reads_as_a_heading_is_its_own_snippet():
    """A headline or product name in a JSONL line or another tool's item is the text to
    annotate; on a page the same line is a title over what follows."""
    headline = "聊城产研院与国科京东方（上海）"

    title, snippets = clean_article(headline, DEFAULTS, record=True)
    assert (title, [piece.text for piece in snippets]) == ("", [headline])
    assert clean_article(headline, DEFAULTS) == (headline, [])
    page_title, body = clean_article(f"{headline}\n\n北京今天下雪。", DEFAULTS, record=True)
    assert (page_title, [piece.text for piece in body]) == (headline, ["北京今天下雪。"])
