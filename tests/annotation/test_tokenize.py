"""Pre-tokenization: offsets, user dictionary, idempotent chunks, permissions."""

import pytest

from annotation.core.tokens import decode_spans, encode_ends
from annotation.ingest.tokenizer import TokenizerConfig, UserWord, token_ends
from annotation.ingest.tokenizing import tokenize_chunk_run, tokenizer_config
from annotation.models import Snippet, TokenizeChunk, TokenizeRun
from tests.conftest import ACTORS

TEXT = "聊城昌云数据科技有限公司的技术人员正专注于3D雷达影像标注工作，日均处理10万帧图像。"


def test_token_offsets_tile_the_text_in_code_points():
    text = "𠮷野家👩‍👩‍👧的牛肉饭，在北京。"
    spans = decode_spans(encode_ends(token_ends(text, TokenizerConfig())))

    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a[1] == b[0] and a[0] < a[1] for a, b in zip(spans, spans[1:], strict=False))
    assert "".join(text[a:b] for a, b in spans) == text
    assert [text[a:b] for a, b in spans].count("北京") == 1


def test_user_dictionary_words_come_out_whole():
    plain = TokenizerConfig()
    custom = TokenizerConfig(words=(UserWord("昌云数据", 2000, "nt"), UserWord("雷达影像标注")))

    plain_words = [TEXT[a:b] for a, b in decode_spans(encode_ends(token_ends(TEXT, plain)))]
    custom_words = [TEXT[a:b] for a, b in decode_spans(encode_ends(token_ends(TEXT, custom)))]

    assert "昌云数据" not in plain_words
    assert "昌云数据" in custom_words
    assert "雷达影像标注" in custom_words
    assert plain.version != custom.version


def test_full_width_letters_and_digits_are_cut_as_half_width_ones():
    """jieba cuts full-width digits and letters a character at a time; they are read as
    their half-width forms, and the offsets stay those of the text as it is."""
    full = "２０２５年ＧＤＰ增长５．２％，ａｐｐ用户破亿。"
    half = "2025年GDP增长5．2％，app用户破亿。"
    config = TokenizerConfig()

    words = [full[a:b] for a, b in decode_spans(encode_ends(token_ends(full, config)))]

    assert token_ends(full, config) == token_ends(half, config)
    assert words[:3] == ["２０２５", "年", "ＧＤＰ"]
    assert "ａｐｐ" in words


def test_hmm_is_part_of_the_version():
    assert TokenizerConfig(hmm=True).version != TokenizerConfig(hmm=False).version


pytestmark = pytest.mark.django_db


def test_changing_the_dictionary_retokenizes_in_the_background(
    upload, project, members, client_for, django_capture_on_commit_callbacks
):
    upload(project, "a.txt", TEXT.encode())
    client = client_for("manager")
    old_version = client.get(f"/api/v1/projects/{project.id}/tokenizer/").json()["version"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.put(
            f"/api/v1/projects/{project.id}/tokenizer/",
            {"hmm": True, "words": [{"word": "昌云数据", "freq": 2000, "tag": "nt"}]},
            format="json",
        )

    assert response.status_code == 200
    body = response.json()
    assert body["version"] != old_version
    assert body["words"] == [{"word": "昌云数据", "freq": 2000, "tag": "nt"}]
    assert body["run"]["snippets_total"] == 1
    snippet = Snippet.objects.get(project=project)
    assert snippet.tokenizer_version == body["version"]
    words = [snippet.text[a:b] for a, b in decode_spans(snippet.tokens)]
    assert "昌云数据" in words


def test_the_same_dictionary_again_starts_no_run(upload, project, members, client_for):
    upload(project, "a.txt", TEXT.encode())
    client = client_for("manager")
    body = {"hmm": True, "words": []}
    runs = TokenizeRun.objects.count()

    client.put(f"/api/v1/projects/{project.id}/tokenizer/", body, format="json")

    assert TokenizeRun.objects.count() == runs


def test_a_chunk_run_twice_changes_nothing(upload, project, members):
    upload(project, "a.txt", TEXT.encode())
    chunk = TokenizeChunk.objects.get()
    run = chunk.run
    before = (run.snippets_done, run.chunks_done, list(Snippet.objects.values_list("tokens")))

    tokenize_chunk_run(chunk_id=chunk.id)
    tokenize_chunk_run(chunk_id=chunk.id)

    run.refresh_from_db()
    after = (run.snippets_done, run.chunks_done, list(Snippet.objects.values_list("tokens")))
    assert before == after
    assert run.status == "succeeded"


def test_dictionary_words_are_validated(project, members, client_for):
    response = client_for("manager").put(
        f"/api/v1/projects/{project.id}/tokenizer/",
        {"hmm": True, "words": [{"word": "两个 词"}, {"word": "甲"}, {"word": "甲"}]},
        format="json",
    )
    assert response.status_code == 400


@pytest.mark.parametrize("actor", ACTORS)
def test_tokenizer_settings_by_actor(project, members, client_for, actor):
    client = client_for(actor)
    url = f"/api/v1/projects/{project.id}/tokenizer/"

    read = client.get(url).status_code
    write = client.put(url, {"hmm": False, "words": [{"word": "标注员"}]}, format="json")

    project.refresh_from_db()
    if actor == "manager":
        assert (read, write.status_code) == (200, 200)
        assert project.tokenizer_hmm is False
    else:
        expected = {"anonymous": {401, 403}, "outsider": {404}}.get(actor, {403})
        assert read in expected and write.status_code in expected
        assert project.tokenizer_hmm is True
        assert not project.dictionary.exists()


def test_an_engine_that_is_not_installed_is_refused(project, members, client_for, monkeypatch):
    monkeypatch.setattr("annotation.serializers.engine_available", lambda engine: engine == "jieba")

    response = client_for("manager").put(
        f"/api/v1/projects/{project.id}/tokenizer/",
        {"engine": "rjieba", "hmm": True, "words": []},
        format="json",
    )

    assert response.status_code == 400
    project.refresh_from_db()
    assert project.tokenizer_engine == "jieba"


def test_switching_to_rjieba_retokenizes_with_it(
    upload, project, members, client_for, django_capture_on_commit_callbacks
):
    pytest.importorskip("rjieba")
    upload(project, "a.txt", TEXT.encode())

    with django_capture_on_commit_callbacks(execute=True):
        body = (
            client_for("manager")
            .put(
                f"/api/v1/projects/{project.id}/tokenizer/",
                {"engine": "rjieba", "hmm": True, "words": [{"word": "昌云数据"}]},
                format="json",
            )
            .json()
        )

    assert body["engine"] == "rjieba"
    assert body["version"].startswith("rjieba-")
    snippet = Snippet.objects.get(project=project)
    assert snippet.tokenizer_version == body["version"]
    spans = decode_spans(snippet.tokens)
    assert spans[-1][1] == len(snippet.text)
    assert "昌云数据" in [snippet.text[a:b] for a, b in spans]


def test_an_import_with_rjieba_tokenizes_as_it_writes(upload, project, members):
    """rjieba outruns a second pass over the rows: the import stores the tokens itself and
    hands no chunk to the workers (none runs here: tokens come from the import alone)."""
    pytest.importorskip("rjieba")
    project.tokenizer_engine = "rjieba"
    project.save(update_fields=["tokenizer_engine"])
    config = tokenizer_config(project)
    text = f"{TEXT}\n\n𠮷野家的牛肉饭😀，在北京。\n\n（全角标点）：“引号”！"

    _, job = upload(project, "a.txt", text.encode())

    assert job["status"] == "succeeded"
    assert job["tokenized"] == job["snippets"] == 3
    run = TokenizeRun.objects.get(project=project)
    assert (run.status, run.chunks_total, run.snippets_total) == ("succeeded", 0, 3)
    assert not TokenizeChunk.objects.exists()
    for snippet in Snippet.objects.filter(project=project):
        assert snippet.tokenizer_version == config.version
        assert snippet.tokens == encode_ends(token_ends(snippet.text, config))
    assert "𠮷野家" in "".join(Snippet.objects.values_list("text", flat=True))


def test_a_failing_chunk_fails_its_run_and_the_import_says_so(
    upload, project, members, client_for, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("annotation.ingest.tokenizing.tokenize_chunk_run", broken)

    with pytest.raises(RuntimeError):
        upload(project, "a.txt", TEXT.encode())

    run = TokenizeRun.objects.get()
    assert run.status == "failed" and run.finished_at is not None
    job = client_for("manager").get(f"/api/v1/projects/{project.id}/imports/").json()
    assert job["results"][0]["status"] == "failed"
