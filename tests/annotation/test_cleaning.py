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
    annotate; on a page the same line is a title over what follows, and only then."""
    headline = "聊城产研院与国科京东方（上海）"

    title, snippets = clean_article(headline, DEFAULTS, record=True)
    assert (title, [piece.text for piece in snippets]) == ("", [headline])
    # A page of nothing but the headline: it is the text, not a title over nothing.
    assert clean_article(headline, DEFAULTS)[1][0].text == headline
    page_title, body = clean_article(f"{headline}\n\n北京今天下雪。", DEFAULTS, record=True)
    assert (page_title, [piece.text for piece in body]) == (headline, ["北京今天下雪。"])


def texts_of(raw: str, options: CleaningOptions = DEFAULTS) -> list[str]:
    return [snippet.text for _, snippet in all_snippets(raw, options)]


def titles_of(raw: str) -> list[str]:
    return [article.title for article in split_page(raw, DEFAULTS) if article.title]


def test_a_closing_quote_or_bracket_does_not_end_a_paragraph_mid_sentence():
    raw = "和其父创作的《拉德茨基进行曲》\n仍然是新年音乐会的保留曲目。\n\n他说：“好。”\n下一段。"
    assert texts_of(raw) == [
        "和其父创作的《拉德茨基进行曲》仍然是新年音乐会的保留曲目。",
        "他说：“好。”",
        "下一段。",
    ]


def test_a_colon_ends_a_paragraph_before_a_quote_or_a_list_and_joins_otherwise():
    raw = "会议提出三点要求：\n\n1.加强领导；\n2.落实责任。\n\n他表示：\n将继续推进改革。"
    assert texts_of(raw) == [
        "会议提出三点要求：",
        "1.加强领导；",
        "2.落实责任。",
        "他表示：将继续推进改革。",
    ]


def test_bullets_start_body_paragraphs_and_are_never_titles():
    raw = "▲市民在展览现场参观\n\n●第一项措施是加强数据安全管理。\n●第二项"
    assert texts_of(raw) == [
        "▲市民在展览现场参观",
        "●第一项措施是加强数据安全管理。",
        "●第二项",
    ]
    assert titles_of(raw) == []


def test_a_file_whose_only_paragraph_starts_with_a_bullet_has_text():
    assert texts_of("▲图为聊城数据标注基地") == ["▲图为聊城数据标注基地"]


def test_captions_and_bylines_are_body_text_not_titles():
    raw = (
        "记者在基地看到，工人们正在忙碌。\n\n（本报记者林皎明摄）\n\n图片：新华社\n\n"
        "下一篇的正文在这里。"
    )
    assert texts_of(raw) == [
        "记者在基地看到，工人们正在忙碌。",
        "（本报记者林皎明摄）",
        "图片：新华社",
        "下一篇的正文在这里。",
    ]
    assert titles_of(raw) == []


def test_column_fragments_between_blank_lines_are_joined_not_titles():
    """Columns of thirteen characters, blank lines where the columns end: a sentence ending
    at a column's edge does not end the paragraph, and a column's fragment between blank
    lines is as wide as the columns, not a headline."""
    paragraph = (
        "聊城数据标注产业发展迅速。记者在东昌府区基地看到，工人们正在电脑前忙碌。"
        "企业当前日均处理10万帧图像和50万个目标物标注任务，已与多家头部企业建立合作。"
    )
    lines = [paragraph[n : n + 13] for n in range(0, len(paragraph), 13)]
    raw = "\n".join(lines[:3]) + "\n\n" + lines[3] + "\n\n" + "\n".join(lines[4:])
    assert lines[0].endswith("。")  # a sentence ends at the column's edge
    assert texts_of(raw) == [paragraph]
    assert titles_of(raw) == []


def test_a_fragment_mid_sentence_is_never_a_title():
    raw = "前文的内容在此。记者了解到，企\n业当前日均处\n\n理10万帧图像\n\n和50万个目标物标注任务。"
    assert texts_of(raw) == [
        "前文的内容在此。记者了解到，企业当前日均处理10万帧图像和50万个目标物标注任务。"
    ]


def test_a_headline_with_a_comma_is_not_glued_to_the_next_paragraph():
    raw = "上一篇到此结束。\n\n稳增长，促就业\n\n本报讯 今年以来，全市就业形势总体稳定。"
    assert texts_of(raw)[-2:] == ["稳增长，促就业", "本报讯今年以来，全市就业形势总体稳定。"]


def test_nothing_after_a_heading_leaves_it_as_text():
    raw = "正文第一段。\n\n结尾的短句"
    assert texts_of(raw) == ["正文第一段。", "结尾的短句"]


def test_latin_numbers_words_and_urls_broken_across_lines():
    cases = {
        "同比增长1\n2.5%，超过预期。": "同比增长12.5%，超过预期。",
        "金额达1,\n000万元。": "金额达1,000万元。",
        "He was excited,\nand happy.": "He was excited, and happy.",
        "访问https://www.exam\nple.com/data了解详情。": "访问https://www.example.com/data了解详情。",
        "annotation is key; anno-\ntation tools help.": "annotation is key; annotation tools help.",
        "a well-\nknown tool.": "a well-known tool.",
        "我们使用 Label\nStudio 标注。": "我们使用 Label Studio 标注。",
        "课程包括Pyth\non编程。": "课程包括Python编程。",
        "他说：“We are excited to\nbuild smarter facto\nries.”": (
            "他说：“We are excited to build smarter factories.”"
        ),
    }
    for raw, expected in cases.items():
        assert texts_of(raw) == [expected], raw


def test_english_words_broken_where_a_space_was_follow_an_english_lexicon():
    """The layout dropped the space at the break: English decides, not only the file."""
    cases = {
        "他说：“We build smarter\nfactories with our partners.”": (
            "他说：“We build smarter factories with our partners.”"
        ),
        "他说：“We wel\ncome partners from all\nover the world.”": (
            "他说：“We welcome partners from all over the world.”"
        ),
        "他说：“Look at t\nhe sky.”": "他说：“Look at the sky.”",
    }
    for raw, expected in cases.items():
        assert texts_of(raw) == [expected], raw


# A page of columns twelve characters wide, as a newspaper's PDF gives it.
COLUMNS = (
    "今年全市新建城市书房五家，\n藏书总量达到十二万册，借\n阅人次同比增长三成以上。\n\n"
    "●延伸阅读：合作社如何带\n\n动农民增收\n\n"
    "城市书房开放\n\n"
    "维也纳爱乐乐团的新年音乐\n\n会今年迎来第八十五届，门\n票已于上周开售。\n\n"
    "电商平台的加入让销路更宽\n\n了。以前苹果只能卖给上门\n收购的商贩，如今不同了。\n"
)


def test_a_short_last_line_before_a_blank_ends_its_paragraph():
    texts = texts_of(COLUMNS)

    assert "●延伸阅读：合作社如何带动农民增收" in texts  # not glued to the headline after it


def test_a_full_line_under_a_headline_is_the_articles_first_line():
    texts = texts_of(COLUMNS)

    assert "维也纳爱乐乐团的新年音乐会今年迎来第八十五届，门票已于上周开售。" in texts
    assert titles_of(COLUMNS) == ["城市书房开放"]


def test_no_paragraph_starts_with_a_sentence_of_a_character_or_two():
    texts = texts_of(COLUMNS)

    assert "电商平台的加入让销路更宽了。以前苹果只能卖给上门收购的商贩，如今不同了。" in texts


def test_punctuation_inside_english_quotes_is_left_alone():
    assert texts_of('他喊道"Wow!"然后离开了。') == ['他喊道"Wow!"然后离开了。']


def test_a_line_of_closing_punctuation_ends_the_sentence_it_closes():
    raw = "他说：“电费比烧油划算多了。\n”\n\n据介绍，全县已建成充电桩。"
    assert texts_of(raw) == ["他说：“电费比烧油划算多了。”", "据介绍，全县已建成充电桩。"]


def test_a_byline_is_short_and_has_no_sentence_in_it():
    raw = "正文到此。\n\n记者 张羽\n\n记者 从市港航管理局获悉，今年货物吞吐量增长。"
    assert texts_of(raw) == [
        "正文到此。",
        "记者张羽",
        "记者从市港航管理局获悉，今年货物吞吐量增长。",
    ]


def test_a_line_cut_off_mid_sentence_is_never_a_title():
    """Seen in the seed pages: a quote left open, a list left hanging on 、, a dateline."""
    raw = (
        "上一篇到此。\n\n会议以“东西互济谋发展 陆海联动开新\n\n局”为主题，由省里主办。\n\n"
        "本报9月27日讯记者从市政府新闻办\n\n获悉，平台完成升级。"
    )
    assert titles_of(raw) == []
    assert texts_of(raw)[1:] == [
        "会议以“东西互济谋发展陆海联动开新局”为主题，由省里主办。",
        "本报9月27日讯记者从市政府新闻办获悉，平台完成升级。",
    ]
