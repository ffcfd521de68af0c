from annotation.suggesting.lexicon import Lexicon, Match, counted


def test_strings_are_found_leftmost_longest_and_never_overlapping():
    lexicon = Lexicon(counted([("北京", "地名"), ("北京大学", "机构"), ("大学生", "身份")]))

    found = lexicon.matches("他在北京大学生活，北京很大。")

    assert found == [Match(2, 6, "机构", 1.0), Match(9, 11, "地名", 1.0)]


def test_a_string_gets_the_label_given_most_scored_by_its_share():
    lexicon = Lexicon(counted([("华盛顿", "人名")] * 3 + [("华盛顿", "地名")]))

    assert lexicon.matches("华盛顿说") == [Match(0, 3, "人名", 0.75)]


def test_equal_counts_always_give_the_same_label():
    one = Lexicon(counted([("长江", "地名"), ("长江", "机构")]))
    other = Lexicon(counted([("长江", "机构"), ("长江", "地名")]))

    assert one.matches("长江") == other.matches("长江") == [Match(0, 2, "地名", 0.5)]


def test_offsets_count_code_points_past_astral_characters_and_emoji():
    lexicon = Lexicon(counted([("吉野家", "机构")]))

    assert lexicon.matches("𠮷😀在吉野家") == [Match(3, 6, "机构", 1.0)]


def test_single_characters_are_left_out_unless_asked_for():
    labelled = counted([("京", "地名"), ("沪", "地名")])

    assert Lexicon(labelled).matches("京沪高铁") == []
    assert Lexicon(labelled, min_length=1).matches("京沪高铁") == [
        Match(0, 1, "地名", 1.0),
        Match(1, 2, "地名", 1.0),
    ]


def test_an_empty_lexicon_finds_nothing():
    assert Lexicon({}).matches("任何文字") == []
    assert "任何" not in Lexicon({})
