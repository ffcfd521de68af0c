"""Imports through the API: formats, encodings, refusals, duplicates and permissions."""

import json
from pathlib import Path

import pytest
from django.db import connection

from annotation.core.pieces import Piece
from annotation.models import Article, ImportJob, Snippet, UploadChunk
from tests.annotation.test_cleaning import assert_maps_back
from tests.conftest import ACTORS

pytestmark = pytest.mark.django_db

SEEDS = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))
TEXT = "聊城建成7个数据标注产业基地。\n\n企业当前日均处理10万帧图像,已与百度合作。\n"


def nothing_kept(project):
    return (
        not Article.objects.filter(project=project).exists()
        and not Snippet.objects.filter(project=project).exists()
        and not UploadChunk.objects.exists()
    )


def test_a_seed_page_imports_and_is_tokenized(upload, project, members):
    response, job = upload(project, SEEDS[0].name, SEEDS[0].read_bytes())

    assert response.status_code == 202
    assert job["status"] == "succeeded"
    assert job["progress"] == 1.0
    assert job["encoding"] == "utf-8"
    assert job["articles"] >= 3
    assert job["snippets"] == Snippet.objects.filter(project=project).count() > 20
    assert job["tokenized"] == job["snippets"]
    for snippet in Snippet.objects.filter(project=project).select_related("article"):
        assert_maps_back(
            snippet.article.raw_text, Piece.from_flat_map(snippet.text, snippet.offset_map)
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
def test_an_import_leaves_the_snippets_analyzed(upload, project, members):
    """The claims right after a big import planned on statistics that saw no snippets
    (bench/peers: next p50 1.7 s instead of 0.1 s at 100,000). The import's own rows are
    not yet in the statistics views when it ends, so it counts them itself."""
    lines = "".join(f"第{n}段：张三在北京标注数据。\n\n" for n in range(1500))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE annotation_snippet")  # the planner knows the table empty
        cursor.execute("SELECT clock_timestamp()")
        (before,) = cursor.fetchone()

    _, job = upload(project, "many.txt", lines.encode())

    assert job["snippets"] == 1500
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'annotation_snippet'"
        )
        (analyzed,) = cursor.fetchone()
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'annotation_snippet'")
        (planned,) = cursor.fetchone()
    assert analyzed >= before
    assert planned >= 1500


def test_each_seed_page_imports(upload, project, members):
    for path in SEEDS:
        _, job = upload(project, path.name, path.read_bytes())
        assert job["status"] == "succeeded", job["errors"]
        assert job["snippets"] > 20


def test_raw_text_is_stored_unchanged(upload, project, members):
    raw = SEEDS[1].read_text(encoding="utf-8")

    upload(project, "page.txt", raw.encode())

    articles = Article.objects.filter(project=project).order_by("id")
    assert "".join(article.raw_text for article in articles) == raw


def test_reuploading_the_same_file_adds_nothing(upload, project, members):
    _, first = upload(project, "a.txt", SEEDS[2].read_bytes())
    _, second = upload(project, "a-again.txt", SEEDS[2].read_bytes())

    assert second["status"] == "succeeded"
    assert second["snippets"] == 0
    assert second["duplicates"] == first["snippets"]
    assert Snippet.objects.filter(project=project).count() == first["snippets"]


def test_snippets_api_gives_text_and_token_offsets(upload, project, members, client_for):
    upload(project, "a.txt", TEXT.encode())

    page = client_for("reviewer").get(f"/api/v1/projects/{project.id}/snippets/").json()

    assert page["count"] == 2
    for item in page["results"]:
        tokens = item["tokens"]
        assert tokens[0][0] == 0 and tokens[-1][1] == len(item["text"])
        assert all(a[1] == b[0] for a, b in zip(tokens, tokens[1:], strict=False))
    texts = [item["text"] for item in page["results"]]
    assert texts[1] == "企业当前日均处理10万帧图像，已与百度合作。"
    detail = client_for("manager").get(f"/api/v1/snippets/{page['results'][1]['id']}/").json()
    assert detail["text"] == texts[1]


ACCEPTED = [
    ("gbk.txt", TEXT.encode("gbk"), "gb18030"),
    ("bom.txt", b"\xef\xbb\xbf" + TEXT.encode(), "utf-8-sig"),
    ("crlf.txt", TEXT.replace("\n", "\r\n").encode(), "utf-8"),
    ("cr.txt", TEXT.replace("\n", "\r").encode(), "utf-8"),
]


TRADITIONAL = "臺灣的資料標註產業發展迅速，許多公司投入大量資源。\n\n這個問題值得我們認真討論。"


def test_traditional_chinese_in_gb18030_is_accepted(upload, project, members):
    """GB18030 holds traditional characters too: only Big5 is refused."""
    _, job = upload(project, "trad.txt", TRADITIONAL.encode("gb18030"))

    assert job["status"] == "succeeded", job["errors"]
    assert job["encoding"] == "gb18030"
    texts = list(
        Snippet.objects.filter(project=project).order_by("id").values_list("text", flat=True)
    )
    assert texts == TRADITIONAL.split("\n\n")


@pytest.mark.parametrize(("name", "content", "encoding"), ACCEPTED)
def test_encodings_and_line_ends_are_accepted(upload, project, members, name, content, encoding):
    _, job = upload(project, name, content)

    assert job["status"] == "succeeded", job["errors"]
    assert job["encoding"] == encoding
    texts = list(
        Snippet.objects.filter(project=project).order_by("id").values_list("text", flat=True)
    )
    assert texts == ["聊城建成7个数据标注产业基地。", "企业当前日均处理10万帧图像，已与百度合作。"]
    assert "\r" not in Article.objects.get(project=project).raw_text


def test_astral_characters_and_emoji_keep_offsets_right(upload, project, members):
    record = {"text": "𠮷野家 👩‍👩‍👧 的牛肉饭,在北京。", "title": "美食"}
    _, job = upload(project, "a.jsonl", json.dumps(record, ensure_ascii=False).encode())

    assert job["status"] == "succeeded"
    snippet = Snippet.objects.get(project=project)
    assert snippet.text == "𠮷野家 👩‍👩‍👧 的牛肉饭，在北京。"
    assert snippet.article.title == "美食"
    start = snippet.text.index("北京")
    raw_start, raw_end = Piece.from_flat_map(snippet.text, snippet.offset_map).raw_span(
        start, start + 2
    )
    assert snippet.article.raw_text[raw_start:raw_end] == "北京"
    assert int(snippet.tokens.split(",")[-1]) == len(snippet.text)


def test_a_raw_line_separator_inside_a_json_string_is_fine(upload, project, members):
    content = '{"text": "第一句话。\u2028第二句话。"}\n{"text": "另一条。"}\n'.encode()

    _, job = upload(project, "a.jsonl", content, format="jsonl")

    assert job["status"] == "succeeded", job["errors"]
    assert job["articles"] == 2


def test_csv_with_a_chosen_column(upload, project, members):
    content = 'id,正文,标题\n1,第一篇文章的正文。,甲\n2,"第二篇,有逗号。",乙\n'.encode()

    _, job = upload(project, "a.csv", content, text_column="正文", title_column="标题")

    assert job["status"] == "succeeded", job["errors"]
    titles = sorted(Article.objects.filter(project=project).values_list("title", flat=True))
    assert titles == ["乙", "甲"]
    assert Article.objects.get(title="甲").meta == {"id": "1"}
    assert Article.objects.get(title="乙").source_line == 3  # the header is line 1


REFUSED = [
    ("binary.bin", bytes(range(256)) * 40, {}, None, "NUL"),
    (
        "big5.txt",
        "臺灣的資料標註產業發展迅速，許多公司投入大量資源。".encode("big5") * 20,
        {},
        None,
        "looks like Big5",
    ),
    (
        "bad.jsonl",
        b'{"text": "a"}\n{"text": "b"}\n{"text": \n{"text": "d"}\n{"text": "e"}\n',
        {},
        3,
        "invalid JSON",
    ),
    ("nul.jsonl", b'{"text": "a\\u0000b"}\n', {}, 1, "NUL"),
    ("surrogate.jsonl", b'{"text": "a\\ud800b"}\n', {}, 1, "surrogate"),
    ("a.csv", "标题,内容\n甲,乙\n".encode(), {"text_column": "正文"}, 1, 'no column "正文"'),
    ("long.txt", b"a" * (50 * 1024 * 1024), {}, 1, "longer than"),
    ("a.zip", b"PK\x03\x04" + b"\x00" * 100, {}, None, "archive"),
    ("notext.jsonl", b'{"title": "x"}\n', {}, 1, '"text"'),
    ("words.jsonl", b'{"text": "abc"}\n{"text": "abc", "segmentation": [2, 1]}\n', {}, 2, "ends"),
    ("words.jsonl", b'{"text": "abc", "segmentation": [1, 2]}\n', {}, 1, "length (3)"),
]


def test_an_empty_file_is_refused_at_upload(upload, project, members):
    response, _ = upload(project, "empty.txt", b"")

    assert response.status_code == 400
    assert response.json()["file"]  # "提交的是空文件。"
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(("name", "content", "fields", "line", "reason"), REFUSED)
def test_bad_input_is_refused_whole_with_line_and_reason(
    upload, project, members, name, content, fields, line, reason
):
    _, job = upload(project, name, content, **fields)

    assert job["status"] == "failed"
    [error] = job["errors"]
    assert error["line"] == line
    assert reason in error["reason"]
    assert nothing_kept(project)


def test_a_bad_record_late_in_a_file_leaves_no_earlier_rows(upload, project, members):
    good = "".join(
        json.dumps({"text": f"第{n}条新闻的正文。"}, ensure_ascii=False) + "\n" for n in range(5000)
    )

    _, job = upload(project, "a.jsonl", (good + "{oops}\n").encode())

    assert job["status"] == "failed"
    assert job["errors"][0]["line"] == 5001
    assert nothing_kept(project)


@pytest.mark.parametrize("actor", ACTORS)
def test_only_managers_import(client_for, project, members, actor, upload):
    response, job = upload(project, "a.txt", TEXT.encode(), actor=actor)

    if actor == "manager":
        assert response.status_code == 202
        assert job["status"] == "succeeded"
    else:
        expected = {"anonymous": (401, 403), "outsider": (404,)}.get(actor, (403,))
        assert response.status_code in expected
        assert not ImportJob.objects.exists()
        assert nothing_kept(project)


@pytest.mark.parametrize("actor", ACTORS)
def test_import_and_snippet_reads_by_actor(client_for, project, members, actor, upload):
    _, job = upload(project, "a.txt", TEXT.encode())
    snippet = Snippet.objects.filter(project=project).first()
    client = client_for(actor)

    codes = {
        "list": client.get(f"/api/v1/projects/{project.id}/imports/").status_code,
        "import": client.get(f"/api/v1/imports/{job['id']}/").status_code,
        "snippets": client.get(f"/api/v1/projects/{project.id}/snippets/").status_code,
        "snippet": client.get(f"/api/v1/snippets/{snippet.id}/").status_code,
    }

    if actor == "anonymous":
        assert set(codes.values()) <= {401, 403}
    elif actor == "outsider":
        assert set(codes.values()) == {404}
    elif actor == "manager":
        assert set(codes.values()) == {200}
    elif actor == "reviewer":
        assert codes == {"list": 403, "import": 404, "snippets": 200, "snippet": 200}
    else:
        assert codes == {"list": 403, "import": 404, "snippets": 403, "snippet": 403}


ANNOTATED = "𠮷野家 👩‍👩‍👧 在 北 京,开了新店。\n\n第二段提到上海。"


def _annotated_record() -> bytes:
    text = ANNOTATED
    spans = [
        {"start": text.index("北"), "end": text.index("京") + 1, "label": "LOC"},
        {"start": text.index("上海"), "end": text.index("上海") + 2, "label": "LOC"},
        {"start": 0, "end": 3, "label": "ORG"},
    ]
    return json.dumps({"text": text, "spans": spans}, ensure_ascii=False).encode()


def test_a_record_with_annotations_keeps_its_text_exactly(upload, project, members, client_for):
    """A team migrating from another tool gets its texts back as they went in: a record
    that carries annotations is not cleaned unless the import asks for it."""
    _, job = upload(project, "a.jsonl", _annotated_record())

    assert job["status"] == "succeeded", job["errors"]
    [snippet] = (
        client_for("manager").get(f"/api/v1/projects/{project.id}/snippets/").json()["results"]
    )
    assert snippet["text"] == ANNOTATED
    labelled = [(ANNOTATED[s["start"] : s["end"]], s["label"]) for s in snippet["suggestions"]]
    assert labelled == [("北 京", "LOC"), ("上海", "LOC"), ("𠮷野家", "ORG")]


def test_a_long_record_kept_exactly_is_cut_into_pieces_that_join_back(upload, project, members):
    text = "\n".join(f"  第{n}句，有空格 和 half,width 标点。 " for n in range(40))
    spans = [{"start": text.index("第39句"), "end": text.index("第39句") + 4, "label": "X"}]
    record = {"text": text, "spans": spans}

    _, job = upload(project, "a.jsonl", json.dumps(record, ensure_ascii=False).encode())

    assert job["status"] == "succeeded", job["errors"]
    pieces = list(Snippet.objects.filter(project=project).order_by("position"))
    assert len(pieces) > 1
    assert "".join(piece.text for piece in pieces) == text
    assert job["records_split"] == [{"line": 1, "snippets": len(pieces)}]
    assert pieces[-1].suggestions[0]["label"] == "X"


def test_pre_annotations_follow_their_text_through_cleaning(upload, project, members, client_for):
    _, job = upload(project, "a.jsonl", _annotated_record(), clean="yes")

    assert job["status"] == "succeeded", job["errors"]
    page = client_for("manager").get(f"/api/v1/projects/{project.id}/snippets/").json()
    first, second = page["results"]
    assert first["text"] == "𠮷野家 👩‍👩‍👧 在北京，开了新店。"
    labelled = [(first["text"][s["start"] : s["end"]], s["label"]) for s in first["suggestions"]]
    assert labelled == [("北京", "LOC"), ("𠮷野家", "ORG")]
    assert [second["text"][s["start"] : s["end"]] for s in second["suggestions"]] == ["上海"]


@pytest.mark.parametrize(
    ("spans", "reason"),
    [
        ([{"start": 3, "end": 2, "label": "X"}], "span 1"),
        ([{"start": 0, "end": 99, "label": "X"}], "span 1"),
        ([{"start": 0, "end": 1}], "span 1"),
        ([{"start": 0, "end": 1, "label": "X"}, {"start": 4, "end": 12, "label": "X"}], "span 2"),
    ],
)
def test_bad_pre_annotations_are_refused_with_their_line(upload, project, members, spans, reason):
    good = json.dumps({"text": "第一篇。"}, ensure_ascii=False)
    bad = json.dumps({"text": "北京很大。\n\n上海也很大。", "spans": spans}, ensure_ascii=False)

    _, job = upload(project, "a.jsonl", f"{good}\n{bad}\n".encode(), clean="yes")

    assert job["status"] == "failed"
    assert job["errors"][0]["line"] == 2
    assert reason in job["errors"][0]["reason"]
    assert nothing_kept(project)


def test_an_unexpected_error_fails_the_job_instead_of_leaving_it_running(
    upload, project, members, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("annotation.ingest.services._import_records", broken)

    with pytest.raises(RuntimeError):
        upload(project, "a.txt", TEXT.encode())

    job = ImportJob.objects.get()
    assert job.status == "failed"
    assert "internal error" in job.errors[0]["reason"]
    assert not Snippet.objects.exists()


def test_the_import_lists_every_title_it_made(upload, project, members):
    page = "第一篇标题\n\n第一篇的正文。\n\n▲图为现场\n\n第二篇标题\n\n第二篇的正文。\n"

    _, job = upload(project, "page.txt", page.encode())

    assert job["status"] == "succeeded", job["errors"]
    assert job["titles"] == [
        {"line": 1, "title": "第一篇标题"},
        {"line": 7, "title": "第二篇标题"},
    ]
    texts = list(Snippet.objects.filter(project=project).values_list("text", flat=True))
    assert sorted(texts) == sorted(["第一篇的正文。", "▲图为现场", "第二篇的正文。"])


def test_a_file_larger_than_the_limit_is_refused_with_413(upload, project, members, settings):
    settings.BIAOZHU_UPLOAD_MAX_BYTES = 1024 * 1024

    response, job = upload(project, "big.txt", "北京。\n".encode() * 200_000)

    assert response.status_code == 413 and "MB" in str(response.json()["file"])
    assert job is None or not ImportJob.objects.exists()


def test_json_nested_too_deep_names_its_line_instead_of_failing(upload, project, members):
    deep = "[" * 100_000 + "]" * 100_000
    content = f'{{"text": "第一篇。"}}\n{{"text": "b", "meta": {{"x": {deep}}}}}\n'.encode()

    _, job = upload(project, "a.jsonl", content, format="jsonl")

    assert job["status"] == "failed"
    assert job["errors"][0]["line"] == 2 and "deep" in job["errors"][0]["reason"]


def test_a_record_longer_than_a_line_may_be_is_refused_in_json_too(
    upload, project, members, monkeypatch
):
    monkeypatch.setattr("annotation.ingest.formats.MAX_LINE_CHARS", 100)
    content = json.dumps([{"text": "短。"}, {"text": "长" * 101}], ensure_ascii=False).encode()

    _, job = upload(project, "a.json", content, format="json")

    assert job["status"] == "failed"
    assert job["errors"][0]["line"] == 2 and "longer than" in job["errors"][0]["reason"]


def test_an_import_with_no_work_is_deleted_with_all_it_made(upload, project, members, client_for):
    _, kept = upload(project, "a.txt", "第一段：聊城。\n\n第二段：济南。\n".encode())
    _, gone = upload(project, "b.txt", "第三段：青岛。\n\n第四段：烟台。\n".encode())
    manager = client_for("manager")

    refused_to = client_for("reviewer").delete(f"/api/v1/imports/{gone['id']}/")
    answer = manager.delete(f"/api/v1/imports/{gone['id']}/")

    assert refused_to.status_code == 404  # managers only
    assert answer.status_code == 200
    assert answer.json() == {"articles": 1, "snippets": 2, "batches": 1}
    assert not ImportJob.objects.filter(id=gone["id"]).exists()
    assert sorted(Snippet.objects.values_list("text", flat=True)) == [
        "第一段：聊城。",
        "第二段：济南。",
    ]
    task = client_for("annotator").post(f"/api/v1/projects/{project.id}/tasks/next/").json()
    work_started = manager.delete(f"/api/v1/imports/{kept['id']}/")
    assert task["snippet"]["text"].startswith("第")
    assert work_started.status_code == 409 and "标注员" in work_started.json()["detail"]
    assert Snippet.objects.count() == 2  # nothing of it went
