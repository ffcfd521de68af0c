"""Exports through the API: asked, written by the job, downloaded as attachments; who may
download what."""

import csv
import gzip
import io
import json
from pathlib import Path

import pytest
from django.conf import settings

from annotation.delivery.formats import PARTLY, WHITESPACE
from annotation.delivery.services import export_execute
from annotation.flow import submit
from annotation.jobs import progress_publish
from annotation.models import Batch, ExportChunk, ExportJob, Review, Snippet
from annotation.quality.reviewing import review_decide, review_sample
from annotation.work.services import task_next
from tests.annotation.delivery.test_formats import ADJACENT, TEXT
from tests.annotation.delivery.test_peer_imports import SECOND, exported, label_studio
from tests.conftest import ACTORS
from tests.factories import MembershipFactory, ProjectFactory, adjudicated, snippets_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(project, members, upload, client_for):
    """Two snippets with final annotations from a doccano file, their batch accepted."""
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/",
        {
            "labels": [
                {"name": name, "kind": "spans", "hotkey": key}
                for name, key in (("地名", "l"), ("动作", "d"), ("人名", "p"))
            ]
        },
        format="json",
    )
    _, job = upload(project, "a.jsonl", exported("doccano"), format="doccano", annotations="final")
    assert job["status"] == "succeeded", job["errors"]
    Batch.objects.filter(project=project).update(status="accepted")
    return project


def without_ids(content: str, name: str) -> object:
    """JSON lines without their ``id`` (the snippets' ids differ from the file's)."""
    if name.startswith("conll"):
        return content
    return [{**json.loads(line), "id": None} for line in content.splitlines()]


def export(client, project, django_capture_on_commit_callbacks, **asked):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/projects/{project.id}/exports/", asked, format="json")
    return response


@pytest.mark.parametrize("name", ["doccano", "cluener", "conll-bio", "conll-bioes", "conll-bmes"])
def test_an_imported_file_comes_back_out_equal(
    delivered, client_for, django_capture_on_commit_callbacks, name
):
    manager = client_for("manager")
    asked = export(manager, delivered, django_capture_on_commit_callbacks, format=name)
    job = manager.get(f"/api/v1/exports/{asked.json()['id']}/").json()
    download = manager.get(f"/api/v1/exports/{job['id']}/download/")

    content = b"".join(download.streaming_content).decode()
    assert asked.status_code == 202 and job["status"] == "succeeded" and job["items"] == 2
    assert download["Content-Disposition"].startswith("attachment;")
    assert without_ids(content, name) == without_ids(exported(name).decode(), name)


def test_the_dataset_card_counts_labels_and_says_what_was_left_out(
    delivered, client_for, django_capture_on_commit_callbacks
):
    manager = client_for("manager")
    asked = export(manager, delivered, django_capture_on_commit_callbacks, format="csv")

    card = manager.get(f"/api/v1/exports/{asked.json()['id']}/card/")

    text = card.content.decode()
    assert card["Content-Disposition"] == 'attachment; filename="README.md"'
    assert "| span | 地名 | 2 |" in text and "| span | 人名 | 1 |" in text
    assert "实体（此格式只能存类别）: 2" in text  # in the language of whoever asked
    with django_capture_on_commit_callbacks(execute=True):
        english = manager.post(
            f"/api/v1/projects/{delivered.id}/exports/",
            {"format": "csv"},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    text = manager.get(f"/api/v1/exports/{english.json()['id']}/card/").content.decode()
    assert "spans (this format holds classes only): 2" in text and "- Items: 2" in text


def test_only_accepted_batches_by_default(
    delivered, client_for, django_capture_on_commit_callbacks
):
    Batch.objects.update(status="accepting")
    manager = client_for("manager")

    accepted = export(manager, delivered, django_capture_on_commit_callbacks, format="jsonl")
    every = export(
        manager, delivered, django_capture_on_commit_callbacks, format="jsonl", status="all"
    )

    assert ExportJob.objects.get(id=accepted.json()["id"]).items == 0
    assert ExportJob.objects.get(id=every.json()["id"]).items == 2


@pytest.mark.parametrize("actor", ACTORS)
def test_exports_by_actor(delivered, client_for, actor, django_capture_on_commit_callbacks):
    manager = client_for("manager")
    everything = export(
        manager, delivered, django_capture_on_commit_callbacks, format="jsonl", status="all"
    ).json()["id"]
    client = client_for(actor)

    asked = export(client, delivered, django_capture_on_commit_callbacks, format="jsonl")
    full = export(
        client, delivered, django_capture_on_commit_callbacks, format="jsonl", status="all"
    )
    work = export(
        client, delivered, django_capture_on_commit_callbacks, format="jsonl", version="all"
    )
    others = client.get(f"/api/v1/exports/{everything}/download/").status_code

    # A client: accepted batches only, final annotations only (every annotator's work names
    # the annotators and their reviews), not the manager's "all".
    expected = {
        "anonymous": ({401, 403}, {401, 403}, {401, 403}, {401, 403}),
        "outsider": ({404}, {404}, {404}, {404}),
        "annotator": ({403}, {403}, {403}, {403}),
        "client": ({202}, {400}, {400}, {404}),
        "reviewer": ({202}, {202}, {202}, {200}),
        "manager": ({202}, {202}, {202}, {200}),
    }[actor]
    codes = (asked.status_code, full.status_code, work.status_code, others)
    assert all(code in allowed for code, allowed in zip(codes, expected, strict=True)), codes


def test_a_client_cannot_name_a_batch_that_is_not_accepted(
    delivered, client_for, django_capture_on_commit_callbacks
):
    batch = Batch.objects.get(project=delivered)
    batch.status = "reviewing"
    batch.save()

    asked = export(
        client_for("client"),
        delivered,
        django_capture_on_commit_callbacks,
        format="jsonl",
        batches=[batch.id],
    )

    assert asked.status_code == 404 and not ExportJob.objects.exists()


def test_the_final_annotation_of_our_jsonl(
    delivered, client_for, django_capture_on_commit_callbacks
):
    manager = client_for("manager")
    asked = export(manager, delivered, django_capture_on_commit_callbacks, format="jsonl")
    download = manager.get(f"/api/v1/exports/{asked.json()['id']}/download/")

    [first, second] = [
        json.loads(line) for line in b"".join(download.streaming_content).splitlines()
    ]
    assert first["text"] == TEXT and second["text"] == SECOND
    assert [(s["start"], s["end"], s["label"]) for s in first["spans"]] == list(ADJACENT)
    assert first["adjudicated"] is True and first["annotator"] is None


def test_every_annotators_version_with_its_review_state(
    delivered, members, client_for, django_capture_on_commit_callbacks
):
    """Beside the imported final annotations, the annotator's own work: their latest
    revision of each snippet, and the reviewer's decision on it."""
    annotator = members["annotator"]
    while (work := task_next(project_id=delivered.id, annotator=annotator)) is not None:
        text = work.snippet.text
        first = {"spans": [{"start": 0, "end": 2, "label": "地名", "text": text[:2]}]}
        submit(annotator=annotator, assignment_id=work.id, body={})
        submit(annotator=annotator, assignment_id=work.id, body=first, idempotency_key="2")
    batch = Batch.objects.get(project=delivered)
    delivered.review_percent = 100
    delivered.save(update_fields=["review_percent"])
    review_sample(batch=batch)
    review = Review.objects.order_by("id").first()
    review_decide(review_id=review.id, reviewer=members["reviewer"], accept=True)
    manager = client_for("manager")

    asked = export(
        manager, delivered, django_capture_on_commit_callbacks, format="jsonl", version="all"
    )
    download = manager.get(f"/api/v1/exports/{asked.json()['id']}/download/")

    lines = [json.loads(line) for line in b"".join(download.streaming_content).splitlines()]
    assert [(line["annotator"], line["revision"]) for line in lines] == [("annotator", 2)] * 2
    assert [line["spans"][0]["text"] for line in lines] == [TEXT[:2], SECOND[:2]]
    reviewed = review.revision.assignment.snippet_id
    assert {line["id"]: line["review"] for line in lines} == {
        line["id"]: "accepted" if line["id"] == reviewed else "pending" for line in lines
    }


def test_an_export_written_twice_is_stored_once(
    delivered, client_for, django_capture_on_commit_callbacks
):
    asked = export(
        client_for("manager"), delivered, django_capture_on_commit_callbacks, format="jsonl"
    )
    job = ExportJob.objects.get(id=asked.json()["id"])
    chunks = list(ExportChunk.objects.filter(job=job).values_list("seq", "data"))

    export_execute(export_id=job.id)  # the same message delivered again

    assert list(ExportChunk.objects.filter(job=job).values_list("seq", "data")) == chunks


def test_the_card_names_only_the_exported_batches(
    delivered, members, client_for, django_capture_on_commit_callbacks
):
    """A batch still in review has a qualification rate; a client's export of the accepted
    batches must not show it, a manager's export of everything does."""
    inside = Batch.objects.create(project=delivered, name="内部包", status="reviewing", size=1)
    snippets_make(delivered, 1, batch=inside)
    annotator = members["annotator"]
    while (work := task_next(project_id=delivered.id, annotator=annotator)) is not None:
        submit(annotator=annotator, assignment_id=work.id, body={})
    delivered.review_percent = 100
    delivered.save(update_fields=["review_percent"])
    review_sample(batch=inside)
    [review] = Review.objects.filter(batch=inside)
    review_decide(review_id=review.id, reviewer=members["reviewer"], accept=True)

    def card(actor: str, **asked) -> str:
        client = client_for(actor)
        job = export(client, delivered, django_capture_on_commit_callbacks, **asked).json()
        return client.get(f"/api/v1/exports/{job['id']}/card/").content.decode()

    assert "内部包" not in card("client", format="jsonl")
    assert "| 内部包 | 1 | 1 | 100.0 % |" in card("manager", format="jsonl", status="all")


def test_the_card_shows_names_as_text_not_markdown(
    delivered, client_for, django_capture_on_commit_callbacks
):
    """A project or batch name is the user's text: on the card it opens no link, image,
    HTML or table cell."""
    delivered.name = "[点我](https://evil.example/) <img src=x> 项目\n# 标题"
    delivered.save(update_fields=["name"])
    Batch.objects.filter(project=delivered).update(name="包|一")
    manager = client_for("manager")
    job = export(manager, delivered, django_capture_on_commit_callbacks, format="jsonl").json()

    card = manager.get(f"/api/v1/exports/{job['id']}/card/").content.decode()

    heading = card.splitlines()[0]
    assert heading == "# \\[点我\\]\\(https://evil.example/\\) \\<img src=x\\> 项目 \\# 标题"
    assert "](" not in card and "<img" not in card.replace("\\<img", "")


@pytest.mark.parametrize(
    "encoding, newline, bom",
    [("utf-8", "\n", b""), ("utf-8", "\r\n", b"\xef\xbb\xbf"), ("gb18030", "\r\n", b"")],
)
def test_offsets_against_the_raw_text_point_into_the_file_as_uploaded(
    project, members, upload, client_for, django_capture_on_commit_callbacks, encoding, newline, bom
):
    """Cleaning joins a line broken inside a name and drops the spaces of a PDF: the raw
    offsets cover what was removed, and count the file's code points as it was sent, its
    BOM and CRLF line ends included."""
    raw = "标题\n\n第一段。\n\n第二篇\n\n北京\n大学的  学生在 海淀区。".replace("\n", newline)
    sent = bom + raw.encode(encoding)
    _, job = upload(project, "a.txt", sent, format="text")
    snippet = Snippet.objects.get(project=project, text__contains="北京")
    text = snippet.text
    place, district = text.index("北京大学"), text.index("海淀区")
    adjudicated(
        snippet,
        spans=[
            {"start": place, "end": place + 4, "label": "机构"},
            {"start": district, "end": district + 3, "label": "地名"},
        ],
        segmentation=[place + 4, len(text)],
    )
    Batch.objects.filter(project=project).update(status="accepted")
    manager = client_for("manager")

    asked = export(
        manager, project, django_capture_on_commit_callbacks, format="jsonl", offsets="raw"
    )
    refused = export(
        manager, project, django_capture_on_commit_callbacks, format="conll-bio", offsets="raw"
    )

    download = manager.get(f"/api/v1/exports/{asked.json()['id']}/download/")
    [record] = [json.loads(line) for line in b"".join(download.streaming_content).splitlines()]
    file = sent.decode(encoding)  # every code point as sent: the BOM, each "\r"
    assert job["status"] == "succeeded" and "北京大学" in text and "\n" not in text
    assert [file[s["start"] : s["end"]] for s in record["spans"]] == [
        f"北京{newline}大学",
        "海淀区",
    ]
    assert [s["text"] for s in record["spans"]] == ["北京大学", "海淀区"]
    assert file[record["raw_start"] : record["raw_end"]].startswith(f"北京{newline}大学的")
    assert record["segmentation"][-1] == record["raw_end"] == len(file)
    assert record["offsets"] == "file" and record["article"] == snippet.article_id
    assert snippet.article.title == "第二篇" and snippet.article.file_start > len(bom)
    assert refused.status_code == 400 and "offsets" in refused.json()


def test_a_client_that_accepts_gzip_gets_the_stored_stream_as_it_is(
    delivered, client_for, django_capture_on_commit_callbacks
):
    manager = client_for("manager")
    asked = export(manager, delivered, django_capture_on_commit_callbacks, format="doccano")
    url = f"/api/v1/exports/{asked.json()['id']}/download/"

    plain = manager.get(url)
    packed = manager.get(url, HTTP_ACCEPT_ENCODING="br, gzip;q=0.8")
    refused = manager.get(url, HTTP_ACCEPT_ENCODING="gzip;q=0, identity")

    text = b"".join(plain.streaming_content)
    body = b"".join(packed.streaming_content)
    assert without_ids(text.decode(), "doccano") == without_ids(
        exported("doccano").decode(), "doccano"
    )
    assert packed["Content-Encoding"] == "gzip" and gzip.decompress(body) == text
    assert int(packed["Content-Length"]) == len(body) and int(plain["Content-Length"]) == len(text)
    job = manager.get(f"/api/v1/exports/{asked.json()['id']}/").json()
    assert (job["size"], job["stored_size"]) == (len(text), len(body))
    assert "Accept-Encoding" in packed["Vary"] and not refused.has_header("Content-Encoding")
    assert b"".join(refused.streaming_content) == text


SEEDS = Path(settings.BASE_DIR) / "seeds"
GOLDEN = Path(__file__).parent / "golden"
# Two snippets the platform cuts from the seed pages, with spans set here; their CoNLL
# files in golden/ were written by hand, a character at a time, from these spans.
SEED_SPANS = {
    "12月7日，聊城市图书馆智能分拣机器人在进行还书工作。": [
        (0, 5, "时间"),
        (6, 12, "机构"),
        (12, 19, "产品"),
        (22, 23, "动作"),
    ],
    "本报9月27日讯 27日，青岛市委、市政府向第十九届亚运会中国体育代表团致贺电。": [
        (2, 7, "时间"),
        (13, 17, "机构"),
        (18, 21, "机构"),
        (22, 29, "事件"),
        (29, 36, "机构"),
    ],
}


@pytest.mark.parametrize("name", ["conll-bio", "conll-bmes"])
def test_two_seed_snippets_come_out_as_their_golden_files_checked_by_hand(
    project, members, upload, client_for, django_capture_on_commit_callbacks, name
):
    for seed in ("002_97e90d3666c8cce2.txt", "003_4c3b8b73249d183e.txt"):
        upload(project, seed, (SEEDS / seed).read_bytes(), format="text")
    for text, spans in SEED_SPANS.items():
        adjudicated(
            Snippet.objects.get(project=project, text=text),
            spans=[{"start": a, "end": b, "label": label} for a, b, label in spans],
        )
    Batch.objects.filter(project=project).update(status="accepted")
    manager = client_for("manager")

    asked = export(manager, project, django_capture_on_commit_callbacks, format=name)

    job = manager.get(f"/api/v1/exports/{asked.json()['id']}/", HTTP_ACCEPT_LANGUAGE="en")
    download = manager.get(f"/api/v1/exports/{asked.json()['id']}/download/")
    content = b"".join(download.streaming_content).decode()
    assert content == (GOLDEN / f"seeds.{name}.txt").read_text(encoding="utf-8")
    assert job.json()["dropped"] == {WHITESPACE: 1}  # the space after 讯


def test_a_running_export_reports_its_progress(delivered, client_for):
    manager = client_for("manager")
    job = ExportJob.objects.create(project=delivered, format="jsonl", status="running")

    progress_publish("export", job.id, 0.42)
    running = manager.get(f"/api/v1/exports/{job.id}/").json()
    ExportJob.objects.filter(id=job.id).update(status="succeeded", progress=1.0)
    done = manager.get(f"/api/v1/exports/{job.id}/").json()

    assert running["progress"] == 0.42 and done["progress"] == 1.0


def _annotations(content: bytes) -> list[tuple]:
    return [
        (r["text"], [(s["start"], s["end"], s["label"]) for s in r["spans"]], r["classes"])
        for r in map(json.loads, content.decode().splitlines())
    ]


def _downloaded(client, project, django_capture_on_commit_callbacks, **asked) -> bytes:
    asked = export(client, project, django_capture_on_commit_callbacks, **asked)
    download = client.get(f"/api/v1/exports/{asked.json()['id']}/download/")
    return b"".join(download.streaming_content)


@pytest.mark.parametrize("name", ["jsonl", "label-studio"])
def test_our_jsonl_and_label_studio_come_back_out_as_our_jsonl(
    project, members, upload, client_for, django_capture_on_commit_callbacks, name
):
    """Imported as final, exported as our JSONL, imported into a second project and
    exported again: the texts, offsets, labels and classes hold (𠮷 and 😀 before spans,
    adjacent spans)."""
    ours = b"".join(
        json.dumps({"text": text, "spans": spans, "classes": classes}, ensure_ascii=False).encode()
        + b"\n"
        for text, spans, classes in (
            (TEXT, [{"start": a, "end": b, "label": c} for a, b, c in ADJACENT], ["正面"]),
            (SECOND, [{"start": 0, "end": 2, "label": "地名"}], []),
        )
    )
    file = {"jsonl": ours, "label-studio": label_studio()}[name]
    expected = [(TEXT, list(ADJACENT), ["正面"]), (SECOND, [(0, 2, "地名")], [])]
    manager = client_for("manager")
    second = ProjectFactory()
    MembershipFactory(project=second, user=members["manager"], role="manager")

    _, job = upload(project, "a.json", file, format=name, annotations="final")
    Batch.objects.filter(project=project).update(status="accepted")
    first = _downloaded(manager, project, django_capture_on_commit_callbacks, format="jsonl")
    upload(second, "b.jsonl", first, format="jsonl", annotations="final")
    Batch.objects.filter(project=second).update(status="accepted")
    again = _downloaded(manager, second, django_capture_on_commit_callbacks, format="jsonl")

    assert job["status"] == "succeeded", job["errors"]
    assert _annotations(first) == _annotations(again) == expected


@pytest.mark.parametrize("name", ["jsonl", "doccano", "cluener", "conll-bio"])
def test_records_kept_as_final_without_entities_are_delivered(
    project, members, upload, client_for, django_capture_on_commit_callbacks, name
):
    """A record with no entity is annotated as having none: it reaches every export."""
    third = "第三条没有任何实体。"
    records = [
        {"text": TEXT, "label": [[a, b, label] for a, b, label in ADJACENT]},
        {"text": SECOND, "label": []},
        {"text": third, "label": []},
    ]
    file = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    _, job = upload(project, "a.jsonl", file, format="doccano", annotations="final")
    Batch.objects.filter(project=project).update(status="accepted")

    content = _downloaded(
        client_for("manager"), project, django_capture_on_commit_callbacks, format=name
    ).decode()

    assert job["status"] == "succeeded", job["errors"]
    if name == "conll-bio":
        blocks = [block for block in content.split("\n\n") if block.strip()]
        texts = ["".join(line.split(" ")[0] for line in block.splitlines()) for block in blocks]
    else:
        texts = [json.loads(line)["text"] for line in content.splitlines()]
    assert texts == [TEXT, SECOND, third]
    assert ExportJob.objects.get().items == 3


CLIENT_FILES = {
    "jsonl": ("a.jsonl", '{"id": "A-1", "text": "北京见。", "来源": "新华社"}\n'),
    "csv": ("a.csv", "id,text,来源\nA-1,北京见。,新华社\n"),
    "doccano": (
        "a.jsonl",
        '{"id": "A-1", "text": "北京见。", "label": [[0, 2, "地名"]], "来源": "新华社"}\n',
    ),
    "label-studio": (
        "a.json",
        '[{"id": "A-1", "data": {"text": "北京见。", "来源": "新华社"}, "annotations": []}]',
    ),
    "cluener": ("a.json", '{"id": "A-1", "text": "北京见。", "label": {}, "来源": "新华社"}\n'),
}


@pytest.mark.parametrize("imported", sorted(CLIENT_FILES))
def test_the_clients_own_fields_come_back_in_every_record_export(
    project, members, upload, client_for, django_capture_on_commit_callbacks, imported
):
    """A client joins the results back to its source by its own ids: whatever the file
    held beside the text comes back with each record."""
    filename, content = CLIENT_FILES[imported]
    _, job = upload(project, filename, content.encode(), format=imported, annotations="final")
    Batch.objects.filter(project=project).update(status="accepted")
    manager = client_for("manager")

    found = {}
    for name in ("jsonl", "doccano", "cluener", "csv"):
        content = _downloaded(manager, project, django_capture_on_commit_callbacks, format=name)
        if name == "csv":
            [row] = csv.DictReader(io.StringIO(content.decode()))
            found[name] = json.loads(row["meta"])
        else:
            [record] = map(json.loads, content.decode().splitlines())
            found[name] = record["meta"]
            if name == "jsonl":
                assert record["source"] == filename

    assert job["status"] == "succeeded", job["errors"]
    assert found == dict.fromkeys(found, {"id": "A-1", "来源": "新华社"})


def test_the_card_says_how_many_records_were_cut_into_pieces(
    project, members, upload, client_for, django_capture_on_commit_callbacks
):
    long = "。".join(f"第{n}句话讲的是北京" for n in range(40)) + "。"
    records = [{"text": long, "label": [[5, 7, "地名"]]}, {"text": SECOND, "label": []}]
    file = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    _, job = upload(project, "a.jsonl", file, format="doccano", annotations="final")
    Batch.objects.filter(project=project).update(status="accepted")
    manager = client_for("manager")

    asked = export(manager, project, django_capture_on_commit_callbacks, format="jsonl")
    card = manager.get(f"/api/v1/exports/{asked.json()['id']}/card/")

    assert job["records_split"][0]["line"] == 1 and len(job["records_split"]) == 1
    assert "导入时因超过片段长度而切分的记录：1 条" in (
        b"".join(card.streaming_content).decode()
        if hasattr(card, "streaming_content")
        else card.content.decode()
    )


@pytest.mark.parametrize("name", ["jsonl", "doccano", "cluener", "csv"])
def test_a_record_cut_into_snippets_goes_back_out_whole(
    project, members, upload, client_for, django_capture_on_commit_callbacks, name
):
    long = "。".join(f"第{n}句话讲的是北京 😀" for n in range(40)) + "。"
    place = long.rindex("北京")
    records = [
        {"text": long, "label": [[5, 7, "地名"], [place, place + 2, "地名"], "正面"]},
        {"text": SECOND, "label": []},
    ]
    file = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    _, job = upload(project, "a.jsonl", file, format="doccano", annotations="final")
    Batch.objects.filter(project=project).update(status="accepted")

    content = _downloaded(
        client_for("manager"), project, django_capture_on_commit_callbacks, format=name
    ).decode()

    assert len(job["records_split"]) == 1 and Snippet.objects.count() > 2
    if name == "csv":
        rows = list(csv.DictReader(io.StringIO(content)))
        assert [(row["text"], row["classes"]) for row in rows] == [(long, "正面"), (SECOND, "")]
        return
    first, second = map(json.loads, content.splitlines())
    assert (first["text"], second["text"]) == (long, SECOND)
    found = {
        "jsonl": lambda r: [(s["start"], s["end"]) for s in r["spans"]],
        "doccano": lambda r: [(a, b) for a, b, _ in r["label"]],
        "cluener": lambda r: [
            (a, b + 1) for places in r["label"]["地名"].values() for a, b in places
        ],
    }[name](first)
    assert sorted(found) == [(5, 7), (place, place + 2)]


def test_a_record_delivered_in_part_goes_as_its_pieces_and_says_so(
    project, members, upload, client_for, django_capture_on_commit_callbacks
):
    long = "。".join(f"第{n}句话讲的是北京" for n in range(40)) + "。"
    file = json.dumps({"text": long, "label": [[5, 7, "地名"]]}, ensure_ascii=False).encode()
    upload(project, "a.jsonl", file, format="doccano")
    first = Snippet.objects.order_by("position").first()
    adjudicated(first, spans=[{"start": 5, "end": 7, "label": "地名"}])
    Batch.objects.filter(project=project).update(status="accepted")
    manager = client_for("manager")

    asked = export(manager, project, django_capture_on_commit_callbacks, format="jsonl")

    job = manager.get(f"/api/v1/exports/{asked.json()['id']}/", HTTP_ACCEPT_LANGUAGE="en")
    assert job.json()["items"] == 1
    assert job.json()["dropped"] == {PARTLY: 1}


ROUND_TRIP = [
    # Whitespace, 𠮷 and an emoji before the spans; adjacent spans; a class; words.
    (
        "𠮷野家 😀 在北京 开了新店。",
        [(7, 9, "地名"), (10, 12, "动作")],
        ["正面"],
        [3, 4, 5, 6, 7, 9, 10, 12, 14, 15],
    ),
    ("张三说：好！", [(0, 2, "人名")], [], [2, 3, 4, 5, 6]),
]


def _comparable(name: str, content: bytes) -> list:
    """What a file holds of its annotations, without the ids and names a project gives."""
    text = content.decode()
    if name == "csv":
        return [row[1:] for row in csv.reader(io.StringIO(text))]
    if name in ("jsonl", "doccano", "cluener"):
        drop = {"id", "batch", "source", "title"}
        return [
            {key: value for key, value in json.loads(line).items() if key not in drop}
            for line in text.splitlines()
        ]
    return text.splitlines()


@pytest.mark.parametrize(
    "name",
    ["jsonl", "doccano", "conll-bio", "conll-bioes", "conll-bmes", "cluener", "segmented"]
    + ["word-pos", "csv"],
)
def test_every_export_format_imports_back_to_the_same_annotations(
    project, members, upload, client_for, django_capture_on_commit_callbacks, name
):
    ours = "".join(
        json.dumps(
            {
                "text": text,
                "spans": [{"start": a, "end": b, "label": label} for a, b, label in spans],
                "classes": classes,
                "segmentation": words,
                "meta": {"编号": n},
            },
            ensure_ascii=False,
        )
        + "\n"
        for n, (text, spans, classes, words) in enumerate(ROUND_TRIP)
    )
    manager = client_for("manager")
    second = ProjectFactory()
    MembershipFactory(project=second, user=members["manager"], role="manager")
    upload(project, "a.jsonl", ours.encode(), format="jsonl", annotations="final")
    Batch.objects.filter(project=project).update(status="accepted")

    first = _downloaded(manager, project, django_capture_on_commit_callbacks, format=name)
    file = {"csv": "b.csv", "jsonl": "b.jsonl"}.get(name, "b.txt")
    _, job = upload(second, file, first, format=name, annotations="final")
    Batch.objects.filter(project=second).update(status="accepted")
    again = _downloaded(manager, second, django_capture_on_commit_callbacks, format=name)

    assert job["status"] == "succeeded", job["errors"]
    assert _comparable(name, again) == _comparable(name, first)
    assert len(_comparable(name, first)) >= len(ROUND_TRIP)


GOLD_WORDS = "𠮷野家 😀 在 北京 开店 。\n我 爱 北京 天安门\n"


def test_segmented_gold_comes_in_and_goes_back_out_the_same(
    project, members, upload, client_for, django_capture_on_commit_callbacks
):
    """Gold segmentation imports as final, exports as it came, and our JSONL's
    segmentation carries it into a second project."""
    manager = client_for("manager")
    second = ProjectFactory()
    MembershipFactory(project=second, user=members["manager"], role="manager")

    _, job = upload(
        project, "gold.txt", GOLD_WORDS.encode(), format="segmented", annotations="final"
    )
    Batch.objects.filter(project=project).update(status="accepted")
    words = _downloaded(manager, project, django_capture_on_commit_callbacks, format="segmented")
    ours = _downloaded(manager, project, django_capture_on_commit_callbacks, format="jsonl")
    upload(second, "b.jsonl", ours, format="jsonl", annotations="final")
    Batch.objects.filter(project=second).update(status="accepted")
    again = _downloaded(manager, second, django_capture_on_commit_callbacks, format="segmented")

    assert job["status"] == "succeeded", job["errors"]
    assert words.decode() == again.decode() == GOLD_WORDS


def test_segmented_text_arrives_as_suggested_words(upload, project, members):
    _, job = upload(project, "a.txt", "北京 欢迎 你\n".encode(), format="segmented")

    assert job["status"] == "succeeded", job["errors"]
    snippet = Snippet.objects.get(project=project)
    assert (snippet.text, snippet.suggestions) == ("北京欢迎你", [{"segmentation": [2, 4, 5]}])


def test_segmented_text_through_the_api_holds_the_corrected_words(
    project, members, upload, client_for, django_capture_on_commit_callbacks
):
    text = "𠮷野家😀在北京开店。"
    _, job = upload(project, "a.txt", text.encode(), format="text")
    assert job["status"] == "succeeded", job["errors"]
    snippet = Snippet.objects.get(project=project)
    words = ["𠮷野家", "😀", "在", "北京", "开店", "。"]
    ends = [sum(map(len, words[: n + 1])) for n in range(len(words))]
    adjudicated(snippet, segmentation=ends)
    Batch.objects.filter(project=project).update(status="accepted")
    manager = client_for("manager")

    segmented = _downloaded(
        manager, project, django_capture_on_commit_callbacks, format="segmented"
    ).decode()
    tagged = _downloaded(manager, project, django_capture_on_commit_callbacks, format="word-pos")

    assert segmented == "𠮷野家 😀 在 北京 开店 。\n"
    assert [pair.rsplit("/", 1)[0] for pair in tagged.decode().split()] == words
    assert "北京/ns" in tagged.decode().split()
