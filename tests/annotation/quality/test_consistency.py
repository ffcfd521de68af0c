"""The consistency fix-list, on small corpora checked by hand."""

from annotation.quality.consistency import Consistency


def words(text: str, *cuts: int) -> tuple[int, ...]:
    return (*cuts, len(text))


def test_one_string_under_two_labels_is_listed_with_where():
    found = Consistency()
    found.add(1, "北京很大", words("北京很大", 2, 3), [{(0, 2, "地名")}, {(0, 2, "地名")}])
    found.add(2, "北京队赢了", words("北京队赢了", 2, 3, 4), [{(0, 2, "机构")}])

    [conflict] = found.results()["label_conflicts"]

    assert conflict == {"text": "北京", "labels": {"地名": 2, "机构": 1}, "snippets": [1, 2]}


def test_a_string_labelled_here_and_left_there_is_listed():
    found = Consistency()
    found.add(1, "北京很大", words("北京很大", 2, 3), [{(0, 2, "地名")}])
    found.add(2, "去北京玩", words("去北京玩", 1, 3), [{(1, 3, "地名")}])
    found.add(3, "在北京住", words("在北京住", 1, 3), [set(), set()])  # a word, unlabelled

    [missed] = found.results()["unlabelled"]

    assert missed == {"text": "北京", "label": "地名", "labelled": 2, "unlabelled": 1}
    assert found.results()["label_conflicts"] == []


def test_a_span_far_longer_than_its_labels_usual_is_an_outlier():
    found = Consistency()
    text = "张三" + "。" * 40
    for n in range(30):
        found.add(n, text, words(text, 2), [{(0, 2 + n % 2, "人名")}])
    found.add(99, text, words(text, 2), [{(0, 25, "人名")}])

    [outlier] = found.results()["length_outliers"]

    assert (outlier["snippet"], outlier["length"], outlier["label"]) == (99, 25, "人名")
    assert outlier["usual"] == [2, 3]
