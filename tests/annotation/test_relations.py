"""Relations and events through the work: submits, drafts, rework, adjudication, finals,
gold items and renames (issue 31's annotation model), on either database."""

import io
import json
import zipfile

import pytest
from django.test import Client

from accounts.models import User
from annotation.models import (
    Adjudication,
    Article,
    Assignment,
    Batch,
    FinalAnnotation,
    GoldItem,
    Revision,
    Snippet,
)
from annotation.quality.finals import finals_refresh
from annotation.quality.gold import gold_compare
from tests.relations import (
    APPOINTED,
    KNOWS,
    LABELS,
    LI,
    PKU,
    TEXT,
    WORKS,
    WORKS_AT,
    ZHANG,
    both_annotate,
    submit,
    task,
)

pytestmark = pytest.mark.django_db


def named(stored):
    """A stored annotation's relations by what they link: ((text, label), type, (text,
    label)), as a user reads them."""
    spans = stored["spans"]

    def end(name):
        item = spans[int(name[1:]) - 1]
        return TEXT[item["start"] : item["end"]], item["label"]

    return sorted((end(r["from"]), r["type"], end(r["to"])) for r in stored["relations"])


def test_a_submit_stores_relations_and_an_event_by_span_id(linked, client_for):
    client = client_for("annotator")
    work = task(client, linked)

    answer = submit(
        client,
        work,
        spans=[LI, WORKS, PKU, ZHANG],
        relations=[WORKS_AT, KNOWS],
        events=[APPOINTED],
    )

    assert answer.status_code == 201, answer.json()
    revision = Revision.objects.get()
    stored = {"spans": revision.spans, "relations": revision.relations}
    # Spans in text order: 张三 T1, 任职 T2, 北京大学 T3, 李四 T4.
    assert [TEXT[s["start"] : s["end"]] for s in revision.spans] == [
        "张三",
        "任职",
        "北京大学",
        "李四",
    ]
    assert revision.relations == [
        {"id": "R1", "from": "T1", "to": "T3", "type": "任职于"},
        {"id": "R2", "from": "T1", "to": "T4", "type": "相识"},
    ]
    assert named(stored) == [
        (("张三", "人名"), "任职于", ("北京大学", "机构")),
        (("张三", "人名"), "相识", ("李四", "人名")),
    ]
    assert revision.events == [
        {
            "id": "E1",
            "trigger": "T2",
            "type": "任职",
            "arguments": [{"role": "任职者", "span": "T1"}, {"role": "机构", "span": "T3"}],
        }
    ]


def test_the_same_submit_again_stores_nothing_more(linked, client_for):
    client = client_for("annotator")
    work = task(client, linked)
    body = {"spans": [ZHANG, PKU], "relations": [WORKS_AT]}
    headers = {"HTTP_IDEMPOTENCY_KEY": "k-1"}

    first = client.post(f"/api/v1/assignments/{work['id']}/submit/", body, format="json", **headers)
    again = client.post(f"/api/v1/assignments/{work['id']}/submit/", body, format="json", **headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert (
        again.json()["relations"]
        == first.json()["relations"]
        == [{"id": "R1", "from": "T1", "to": "T2", "type": "任职于"}]
    )
    assert Revision.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"relations": [{"from": "b", "to": "a", "type": "任职于"}]}, "relations", "机构"),
        ({"relations": [{"from": "a", "to": "z", "type": "任职于"}]}, "relations", "'z'"),
        ({"relations": [{"from": "a", "to": "b", "type": "位于"}]}, "relations", "位于"),
        ({"events": [{"trigger": "d", "type": "任职", "arguments": []}]}, "events", "任职者"),
        (
            {"events": [{"trigger": "a", "type": "任职", "arguments": []}]},
            "events",
            "触发词",
        ),
    ],
)
def test_a_relation_the_schema_forbids_is_refused_naming_it(linked, client_for, body, field, says):
    client = client_for("annotator")
    work = task(client, linked)

    answer = client.post(
        f"/api/v1/assignments/{work['id']}/submit/",
        {"spans": [ZHANG, PKU, WORKS], **body},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert answer.status_code == 400
    reason = answer.json()[field]["0"][0]
    assert says in reason
    assert Revision.objects.count() == 0


def test_a_project_without_relations_refuses_them(project, members, client_for, upload):
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/",
        {"kinds": ["spans"], "labels": LABELS[:2]},
        format="json",
    )
    upload(project, "a.txt", TEXT.encode())
    client = client_for("annotator")
    work = task(client, project)

    answer = client.post(
        f"/api/v1/assignments/{work['id']}/submit/",
        {"spans": [ZHANG, PKU], "relations": [WORKS_AT]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert answer.status_code == 400
    assert answer.json()["relations"] == ["this project does not annotate relations"]


def test_adjudication_keeps_agreed_relations_and_lists_disputed_ones(linked, client_for):
    both_annotate(
        linked,
        client_for,
        {"spans": [ZHANG, PKU, LI], "relations": [WORKS_AT, KNOWS]},
        {"spans": [ZHANG, PKU, LI], "relations": [WORKS_AT]},
    )
    reviewer = client_for("reviewer")
    snippet = Assignment.objects.first().snippet_id
    url = f"/api/v1/projects/{linked.id}/adjudications/{snippet}/"

    shown = reviewer.get(url).json()

    zhang = {"start": 2, "end": 4, "label": "人名"}
    assert shown["agreed"]["relations"] == [
        {"from": zhang, "type": "任职于", "to": {"start": 7, "end": 11, "label": "机构"}}
    ]
    assert shown["disputed"]["relations"] == [
        {
            "from": zhang,
            "type": "相识",
            "to": {"start": 12, "end": 14, "label": "人名"},
            "by": ["annotator"],
        }
    ]
    # The disputed one is chosen explicitly: here, dropped.
    settled = reviewer.put(url, {"spans": [ZHANG, PKU, LI], "relations": [WORKS_AT]}, format="json")
    assert settled.status_code == 200, settled.json()
    finals_refresh(project_id=linked.id)
    final = FinalAnnotation.objects.get(snippet_id=snippet)
    assert final.source == "adjudication"
    assert named({"spans": final.spans, "relations": final.relations}) == [
        (("张三", "人名"), "任职于", ("北京大学", "机构"))
    ]
    assert "\n任职于\n" in final.labels  # the data table's label filter finds the type


def test_the_majority_final_carries_its_relations(linked, client_for):
    body = {"spans": [ZHANG, PKU, WORKS], "relations": [WORKS_AT], "events": [APPOINTED]}
    both_annotate(linked, client_for, body, body)

    finals_refresh(project_id=linked.id)

    final = FinalAnnotation.objects.get()
    assert (final.source, final.votes) == ("majority", 2)
    assert final.relations == [{"id": "R1", "from": "T1", "to": "T3", "type": "任职于"}]
    assert final.events[0]["trigger"] == "T2"


def test_work_returned_for_rework_gets_its_relations_back_as_the_draft(linked, client_for):
    client = client_for("annotator")
    work = task(client, linked)
    submit(client, work, spans=[ZHANG, PKU], relations=[WORKS_AT])
    manager = client_for("manager")
    snippet = Assignment.objects.get().snippet_id

    returned = manager.post(
        f"/api/v1/projects/{linked.id}/snippets/actions/",
        {"action": "return", "snippets": [snippet], "reason": "关系方向"},
        format="json",
    )

    assert returned.status_code == 200, returned.json()
    draft = Assignment.objects.get().draft
    assert [item["id"] for item in draft["spans"]] == ["T1", "T2"]
    assert draft["relations"] == [{"id": "R1", "from": "T1", "to": "T2", "type": "任职于"}]
    # Submitted again as it came back, it stores the same.
    again = client.post(
        f"/api/v1/assignments/{work['id']}/submit/",
        {
            "spans": [
                {**item, "text": TEXT[item["start"] : item["end"]]} for item in draft["spans"]
            ],
            "relations": draft["relations"],
        },
        format="json",
    )
    assert again.status_code == 201, again.json()
    assert Revision.objects.order_by("-id").first().relations == draft["relations"]


def test_a_gold_item_scores_the_relations_too(linked, client_for):
    manager = client_for("manager")
    snippet = Snippet.objects.get(project=linked)
    made = manager.post(
        f"/api/v1/projects/{linked.id}/gold/",
        {"snippet": snippet.id, "spans": [ZHANG, PKU], "relations": [WORKS_AT]},
        format="json",
    )
    assert made.status_code == 201, made.json()
    assert made.json()["relations"] == [{"id": "R1", "from": "T1", "to": "T2", "type": "任职于"}]

    gold = GoldItem.objects.get()
    same = {"spans": gold.spans, "classes": [], "segmentation": [], "events": []}
    assert gold_compare(gold, {**same, "relations": gold.relations})[0] is True
    assert gold_compare(gold, {**same, "relations": []})[0] is False


def test_a_renamed_type_is_renamed_in_the_stored_relations(linked, client_for):
    client = client_for("annotator")
    submit(client, task(client, linked), spans=[ZHANG, PKU], relations=[WORKS_AT])
    labels = client_for("manager").get(f"/api/v1/projects/{linked.id}/").json()["labels"]
    for label in labels:
        if label["name"] == "任职于":
            label["name"] = "就职于"
        if label["name"] == "人名":
            label["name"] = "人物"

    answer = client_for("manager").patch(
        f"/api/v1/projects/{linked.id}/", {"labels": labels}, format="json"
    )

    assert answer.status_code == 200, answer.json()
    revision = Revision.objects.get()
    assert revision.relations == [{"id": "R1", "from": "T1", "to": "T2", "type": "就职于"}]
    assert revision.spans[0]["label"] == "人物"


def exported(client, project, capture, name):
    with capture(execute=True):
        asked = client.post(
            f"/api/v1/projects/{project.id}/exports/", {"format": name}, format="json"
        )
    job = client.get(f"/api/v1/exports/{asked.json()['id']}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert job["status"] == "succeeded", job
    download = client.get(f"/api/v1/exports/{job['id']}/download/")
    content = b"".join(download.streaming_content)
    return job, content if name == "brat" else content.decode()  # brat's is a zip


def test_relation_exports_hold_them_and_others_count_what_they_leave(
    linked, client_for, django_capture_on_commit_callbacks
):
    body = {"spans": [ZHANG, PKU, WORKS], "relations": [WORKS_AT], "events": [APPOINTED]}
    both_annotate(linked, client_for, body, body)
    Batch.objects.filter(project=linked).update(status="accepted")
    manager = client_for("manager")
    capture = django_capture_on_commit_callbacks

    _, doccano = exported(manager, linked, capture, "doccano-relation")
    job, ours = exported(manager, linked, capture, "jsonl")
    conll, _ = exported(manager, linked, capture, "conll-bio")
    card = manager.get(f"/api/v1/exports/{job['id']}/card/").content.decode()
    assert "| relation | 任职于 | 1 |" in card and "| event | 任职 | 1 |" in card

    record = json.loads(doccano)
    assert record["entities"] == [
        {"id": 1, "start_offset": 2, "end_offset": 4, "label": "人名"},
        {"id": 2, "start_offset": 4, "end_offset": 6, "label": "触发词"},
        {"id": 3, "start_offset": 7, "end_offset": 11, "label": "机构"},
    ]
    # The relation, then the event as its trigger's relations named by role.
    assert record["relations"] == [
        {"id": 1, "from_id": 1, "to_id": 3, "type": "任职于"},
        {"id": 2, "from_id": 2, "to_id": 1, "type": "任职者"},
        {"id": 3, "from_id": 2, "to_id": 3, "type": "机构"},
    ]
    line = json.loads(ours)
    assert line["relations"] == [{"id": "R1", "from": "T1", "to": "T3", "type": "任职于"}]
    assert line["events"][0]["arguments"] == [
        {"role": "任职者", "span": "T1"},
        {"role": "机构", "span": "T3"},
    ]
    assert conll["dropped"] == {
        "relations (this format cannot hold them)": 1,
        "events (this format cannot hold them)": 1,
    }


def test_the_quality_run_reports_relation_agreement_and_mixed_types(
    linked, client_for, django_capture_on_commit_callbacks
):
    people = {"spans": [ZHANG, PKU, LI]}
    both_annotate(
        linked,
        client_for,
        {**people, "relations": [WORKS_AT, KNOWS]},
        {**people, "relations": [WORKS_AT, {"from": "a", "to": "b", "type": "相识"}]},
    )
    reviewer = client_for("reviewer")

    with django_capture_on_commit_callbacks(execute=True):
        started = reviewer.post(f"/api/v1/projects/{linked.id}/quality-runs/")
    results = reviewer.get(f"/api/v1/quality-runs/{started.json()['id']}/").json()["results"]

    # One of two relations in common each way: F1 0.5; 任职于 agreed, 相识 never.
    relations = results["relations"]
    assert relations["f1_exact"] == 0.5 and relations["f1_overlap"] == 0.5
    assert relations["pairs"] == [
        {"annotators": ["a2", "annotator"], "items": 1, "f1_exact": 0.5, "f1_overlap": 0.5}
    ]
    assert relations["types"]["任职于"]["f1_exact"] == 1.0
    assert relations["types"]["相识"]["f1_exact"] == 0.0
    assert results["relation_types"] == [
        {"subject": "张三", "object": "北京大学", "types": {"任职于": 2, "相识": 1}}
    ]
    # The dashboard shows both: a chart per type and the pair in the fix-list.
    page = Client()
    page.force_login(User.objects.get(username="reviewer"))
    html = page.get(f"/projects/{linked.id}/quality/").content.decode()
    assert "关系一致性（按类型，精确 F1）" in html
    row = html[html.index('id="relation-types"') :]
    assert "张三" in row and "北京大学" in row and "任职于 ×2" in row and "相识 ×1" in row


@pytest.mark.django_db(transaction=True)
def test_the_adjudication_page_keeps_agreed_relations_and_asks_for_disputed_ones(
    linked, client_for, page_for, live_server
):
    people = {"spans": [ZHANG, PKU, LI]}
    both_annotate(
        linked,
        client_for,
        {**people, "relations": [WORKS_AT, KNOWS]},
        {**people, "relations": [WORKS_AT]},
    )
    snippet = Snippet.objects.get(project=linked)
    page = page_for("reviewer")
    page.goto(f"{live_server.url}/projects/{linked.id}/adjudicate/?snippet={snippet.id}")
    page.locator("#adj-final", has_text="北京大学").wait_for()

    # Three agreed spans (1–3), the agreed relation (4), the disputed one (5), which the
    # tie's earliest version holds: suggested, but waiting for an explicit choice.
    choices = page.locator("#adj-choices li").all_inner_texts()
    assert "张三 —任职于→ 北京大学" in choices[3] and "张三 —相识— 李四" in choices[4]
    assert "undecided" in page.locator("#adj-choices li").nth(4).get_attribute("class")
    page.keyboard.press("5")  # dropped
    page.keyboard.press("Enter")
    page.locator("#adj-settled", has_text="reviewer").wait_for()

    settled = Adjudication.objects.get()
    assert settled.relations == [{"id": "R1", "from": "T1", "to": "T2", "type": "任职于"}]
    assert page.errors == []


# A record of our JSONL as a client might write it: spans named by their place (T1…) or
# by an id of their own, 𠮷 and an emoji before them.
OURS = {
    "text": TEXT,
    "spans": [
        {"start": 2, "end": 4, "label": "人名"},
        {"id": "job", "start": 4, "end": 6, "label": "触发词"},
        {"start": 7, "end": 11, "label": "机构"},
        {"start": 12, "end": 14, "label": "人名"},
    ],
    "relations": [
        {"from": "T1", "to": "T3", "type": "任职于"},
        {"from": "T4", "to": "T1", "type": "相识"},
    ],
    "events": [{"trigger": "job", "type": "任职", "arguments": [{"role": "任职者", "span": "T1"}]}],
}


def linked_of(record):
    """A record's relations and events by what they link, as a user reads them."""
    spans = record.get("spans") or record.get("entities")
    if "entities" in record:  # doccano's, ids from 1
        text = {e["id"]: TEXT[e["start_offset"] : e["end_offset"]] for e in spans}
        return sorted(
            (text[r["from_id"]], r["type"], text[r["to_id"]]) for r in record["relations"]
        )
    names = {s.get("id") or f"T{n}": TEXT[s["start"] : s["end"]] for n, s in enumerate(spans, 1)}
    names.update({f"T{n}": TEXT[s["start"] : s["end"]] for n, s in enumerate(spans, 1)})
    relations = sorted((names[r["from"]], r["type"], names[r["to"]]) for r in record["relations"])
    events = sorted(
        (
            names[e["trigger"]],
            e["type"],
            tuple((a["role"], names[a["span"]]) for a in e["arguments"]),
        )
        for e in record["events"]
    )
    return relations, events


def imported_then_exported(linked, upload, client_for, capture, name, content, format_out):
    _, job = upload(linked, f"a.{name}", content, format=name, annotations="final")
    assert job["status"] == "succeeded", job["errors"]
    Batch.objects.filter(project=linked).update(status="accepted")
    return exported(client_for("manager"), linked, capture, format_out)


def test_our_jsonl_with_relations_comes_back_out_the_same(
    project, members, client_for, upload, django_capture_on_commit_callbacks
):
    content = json.dumps(OURS, ensure_ascii=False).encode()

    _, out = imported_then_exported(
        project, upload, client_for, django_capture_on_commit_callbacks, "jsonl", content, "jsonl"
    )

    line = json.loads(out)
    assert linked_of(line) == linked_of(OURS)
    # Undirected or not, an import keeps the direction it was given: 李四 → 张三.
    assert ("李四", "相识", "张三") in linked_of(line)[0]


def test_doccano_relation_files_come_back_out_the_same(
    project, members, client_for, upload, django_capture_on_commit_callbacks
):
    record = {
        "id": 7,
        "text": TEXT,
        "entities": [
            {"id": 11, "start_offset": 7, "end_offset": 11, "label": "机构"},
            {"id": 12, "start_offset": 2, "end_offset": 4, "label": "人名"},
            {"id": 13, "start_offset": 15, "end_offset": 17, "label": "地名"},
        ],
        "relations": [
            {"id": 1, "from_id": 12, "to_id": 11, "type": "任职于"},
            {"id": 2, "from_id": 11, "to_id": 13, "type": "位于"},
        ],
    }
    content = json.dumps(record, ensure_ascii=False).encode()

    _, out = imported_then_exported(
        project,
        upload,
        client_for,
        django_capture_on_commit_callbacks,
        "doccano-relation",
        content,
        "doccano-relation",
    )

    line = json.loads(out)
    assert (
        linked_of(line)
        == linked_of(record)
        == [
            ("北京大学", "位于", "上海"),
            ("张三", "任职于", "北京大学"),
        ]
    )
    spans = sorted((e["start_offset"], e["end_offset"], e["label"]) for e in line["entities"])
    assert spans == [(2, 4, "人名"), (7, 11, "机构"), (15, 17, "地名")]


def test_relations_imported_as_suggestions_start_the_task(typed, client_for, upload):
    content = json.dumps(OURS, ensure_ascii=False).encode()
    _, job = upload(typed, "b.jsonl", content, format="jsonl")
    assert job["status"] == "succeeded", job["errors"]

    given = task(client_for("annotator"), typed)

    suggested = [item for item in given["snippet"]["suggestions"] if "relation" in item]
    assert {"relation": "任职于", "from": [2, 4, "人名"], "to": [7, 11, "机构"]} in suggested


@pytest.mark.parametrize(
    ("record", "says"),
    [
        ({**OURS, "relations": [{"from": "T1", "to": "T9", "type": "任职于"}]}, "'T9'"),
        ({**OURS, "relations": [{"from": "T1", "to": "T3"}]}, "needs a type"),
        ({**OURS, "events": [{"trigger": "job", "type": "任职", "arguments": "T1"}]}, "arguments"),
    ],
)
def test_a_relation_that_names_no_span_refuses_the_file_naming_the_line(
    project, members, upload, record, says
):
    lines = [json.dumps({"text": "第一行没有关系。"}, ensure_ascii=False), json.dumps(record)]

    _, job = upload(project, "bad.jsonl", "\n".join(lines).encode(), format="jsonl")

    assert job["status"] == "failed"
    [error] = job["errors"]
    assert error["line"] == 2 and says in error["reason"]
    assert not Snippet.objects.filter(project=project).exists()  # nothing half-imported


def test_a_relation_across_snippets_refuses_the_file(project, members, client_for, upload):
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/", {"max_snippet_chars": 16}, format="json"
    )
    text = "张三任职于北京大学。" * 4  # 40 characters: cut into snippets of at most 16
    record = {
        "text": text,
        "spans": [
            {"start": 0, "end": 2, "label": "人名"},
            {"start": 35, "end": 39, "label": "机构"},
        ],
        "relations": [{"from": "T1", "to": "T2", "type": "任职于"}],
    }

    _, job = upload(project, "long.jsonl", json.dumps(record).encode(), format="jsonl")

    assert job["status"] == "failed"
    assert "different snippets" in job["errors"][0]["reason"]
    assert not Snippet.objects.filter(project=project).exists()


DUIE = {
    "text": TEXT,
    "spo_list": [
        {
            "predicate": "任职于",
            "subject": "张三",
            "subject_type": "人名",
            "object": {"@value": "北京大学"},
            "object_type": {"@value": "机构"},
        },
        {
            "predicate": "相识",
            "subject": "李四",
            "subject_type": "人名",
            "object": {"@value": "张三"},
            "object_type": {"@value": "人名"},
        },
    ],
}
DUEE = {
    "text": TEXT,
    "id": "dev-17",
    "event_list": [
        {
            "event_type": "任职",
            "trigger": "任职",
            "trigger_start_index": 4,
            "arguments": [
                {"role": "任职者", "argument": "张三", "argument_start_index": 2},
                {"role": "机构", "argument": "北京大学", "argument_start_index": 7},
            ],
        }
    ],
}


@pytest.mark.parametrize(("name", "record"), [("duie", DUIE), ("duee", DUEE)])
def test_duie_and_duee_files_come_back_out_the_same(
    project, members, client_for, upload, django_capture_on_commit_callbacks, name, record
):
    content = json.dumps(record, ensure_ascii=False).encode()

    _, out = imported_then_exported(
        project, upload, client_for, django_capture_on_commit_callbacks, name, content, name
    )

    line = json.loads(out)
    if name == "duie":
        line["spo_list"].sort(key=json.dumps)
        record = {**record, "spo_list": sorted(record["spo_list"], key=json.dumps)}
    assert line == record


def test_a_duie_string_found_twice_refuses_the_file_naming_the_record(project, members, upload):
    record = {**DUIE, "text": "张三和张三都任职于北京大学。"}
    lines = [json.dumps({"text": "第一行。", "spo_list": []}), json.dumps(record)]

    _, job = upload(project, "a.json", "\n".join(lines).encode(), format="duie")

    assert job["status"] == "failed"
    [error] = job["errors"]
    assert error["line"] == 2 and "'张三' is found 2 times" in error["reason"]


def test_duie_and_duee_count_what_they_cannot_hold(
    linked, client_for, django_capture_on_commit_callbacks
):
    body = {"spans": [ZHANG, PKU, WORKS, LI], "relations": [WORKS_AT], "events": [APPOINTED]}
    both_annotate(linked, client_for, body, body)
    Batch.objects.filter(project=linked).update(status="accepted")
    manager = client_for("manager")

    duie, _ = exported(manager, linked, django_capture_on_commit_callbacks, "duie")
    duee, _ = exported(manager, linked, django_capture_on_commit_callbacks, "duee")

    assert duie["dropped"] == {
        "events (this format cannot hold them)": 1,
        "spans in no relation (DuIE holds triples only)": 2,  # 任职, 李四
    }
    assert duee["dropped"] == {
        "relations (this format cannot hold them)": 1,
        "spans in no event (DuEE holds events only)": 1,  # 李四
    }


LABEL_STUDIO = [
    {
        "id": 41,
        "data": {"text": TEXT, "来源": "新闻"},
        "annotations": [
            {
                "result": [
                    {
                        "id": "a",
                        "from_name": "label",
                        "to_name": "text",
                        "type": "labels",
                        "value": {"start": 2, "end": 4, "text": "张三", "labels": ["人名"]},
                    },
                    {
                        "id": "b",
                        "from_name": "label",
                        "to_name": "text",
                        "type": "labels",
                        "value": {"start": 7, "end": 11, "text": "北京大学", "labels": ["机构"]},
                    },
                    {
                        "from_id": "b",
                        "to_id": "a",
                        "type": "relation",
                        "direction": "left",
                        "labels": ["任职于"],
                    },
                ]
            }
        ],
    }
]


def test_label_studio_relations_come_back_out_the_same(
    project, members, client_for, upload, django_capture_on_commit_callbacks
):
    content = json.dumps(LABEL_STUDIO, ensure_ascii=False).encode()

    _, out = imported_then_exported(
        project,
        upload,
        client_for,
        django_capture_on_commit_callbacks,
        "label-studio",
        content,
        "label-studio",
    )

    [task] = json.loads(out)
    assert task["id"] == 41 and task["data"] == {"text": TEXT, "来源": "新闻"}
    result = task["annotations"][0]["result"]
    regions = {r["id"]: r["value"]["text"] for r in result if r["type"] == "labels"}
    assert [r["value"]["start"] for r in result if r["type"] == "labels"] == [2, 7]
    # "left": from 北京大学's region to 张三's, read as 张三 —任职于→ 北京大学.
    links = [
        (regions[r["from_id"]], r["labels"], regions[r["to_id"]])
        for r in result
        if r["type"] == "relation"
    ]
    assert links == [("张三", ["任职于"], "北京大学")]


def test_a_label_studio_relation_to_no_region_refuses_the_file(project, members, upload):
    task = json.loads(json.dumps(LABEL_STUDIO[0]))
    task["annotations"][0]["result"][2]["to_id"] = "zzz"

    _, job = upload(project, "ls.json", json.dumps([task]).encode(), format="label-studio")

    assert job["status"] == "failed"
    assert "'b' → 'zzz'" in job["errors"][0]["reason"]


def test_the_quality_run_lists_final_relations_the_schema_forbids(
    typed, client_for, upload, django_capture_on_commit_callbacks
):
    forbidden = {
        **OURS,
        "relations": [
            {"from": "T1", "to": "T3", "type": "位于"},  # no such type in the project
            {"from": "T3", "to": "T1", "type": "任职于"},  # a 机构 cannot be its subject
        ],
        "events": [],
    }
    lines = [json.dumps(OURS, ensure_ascii=False), json.dumps(forbidden, ensure_ascii=False)]
    lines[1] = lines[1].replace(TEXT, TEXT + "又")  # another snippet
    _, job = upload(
        typed, "f.jsonl", "\n".join(lines).encode(), format="jsonl", annotations="final"
    )
    assert job["status"] == "succeeded", job["errors"]
    reviewer = client_for("reviewer")

    with django_capture_on_commit_callbacks(execute=True):
        started = reviewer.post(f"/api/v1/projects/{typed.id}/quality-runs/")
    results = reviewer.get(f"/api/v1/quality-runs/{started.json()['id']}/").json()["results"]

    found = results["links_forbidden"]
    assert found["count"] == 1
    [finding] = found["findings"]
    assert finding["snippet"] == Snippet.objects.get(text=TEXT + "又").id
    assert finding["part"] == "relations" and "位于" in finding["reason"]


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# 张三 T1, 任职 T2, 北京大学 T3, 李四 T4; an event whose role 任职者 is taken twice.
BRAT_ANN = (
    "T1\t人名 2 4\t张三\n"
    "T2\t触发词 4 6\t任职\n"
    "T3\t机构 7 11\t北京大学\n"
    "T4\t人名 12 14\t李四\n"
    "R1\t任职于 Arg1:T1 Arg2:T3\n"
    "E1\t任职:T2 任职者:T1 任职者2:T4 机构:T3\n"
)


def test_brat_standoff_comes_back_out_the_same(
    project, members, client_for, upload, django_capture_on_commit_callbacks
):
    content = zipped({"doc-a.txt": TEXT, "doc-a.ann": BRAT_ANN, "doc-b.txt": "没有标注。"})

    job, out = imported_then_exported(
        project, upload, client_for, django_capture_on_commit_callbacks, "brat", content, "brat"
    )

    archive = zipfile.ZipFile(io.BytesIO(out))
    files = {name: archive.read(name).decode() for name in archive.namelist()}
    assert files == {
        "doc-a.txt": TEXT,
        "doc-a.ann": BRAT_ANN,
        "doc-b.txt": "没有标注。",
        "doc-b.ann": "",
    }
    assert job["dropped"] == {}


def test_a_brat_relation_to_no_span_refuses_the_file_naming_document_and_line(
    project, members, upload
):
    ann = BRAT_ANN.replace("Arg2:T3", "Arg2:T9")

    _, job = upload(project, "b.zip", zipped({"doc-a.txt": TEXT, "doc-a.ann": ann}), format="brat")

    assert job["status"] == "failed"
    [error] = job["errors"]
    assert error["line"] == 5 and error["reason"].startswith("doc-a.ann: R1 names no T line")
    assert not Snippet.objects.filter(project=project).exists()


def test_an_event_through_doccano_relation_comes_back_an_event(
    linked, typed, client_for, upload, django_capture_on_commit_callbacks
):
    """doccano's relation JSONL holds an event as its trigger's relations named by role;
    a project with that event type reads them back as the event."""
    body = {"spans": [ZHANG, PKU, WORKS], "relations": [WORKS_AT], "events": [APPOINTED]}
    both_annotate(linked, client_for, body, body)
    Batch.objects.filter(project=linked).update(status="accepted")
    manager = client_for("manager")
    _, doccano = exported(manager, linked, django_capture_on_commit_callbacks, "doccano-relation")
    # Into the same types, anew: the same text again, the first import's removed.
    Article.objects.filter(project=linked).delete()

    _, job = upload(
        linked, "r.jsonl", doccano.encode(), format="doccano-relation", annotations="final"
    )
    assert job["status"] == "succeeded", job["errors"]
    Batch.objects.filter(project=linked).update(status="accepted")
    _, ours = exported(manager, linked, django_capture_on_commit_callbacks, "jsonl")

    line = json.loads(ours)
    assert line["relations"] == [{"id": "R1", "from": "T1", "to": "T3", "type": "任职于"}]
    assert line["events"] == [
        {
            "id": "E1",
            "trigger": "T2",
            "type": "任职",
            "arguments": [{"role": "任职者", "span": "T1"}, {"role": "机构", "span": "T3"}],
        }
    ]


def test_the_item_view_shows_each_version_s_relations_and_the_final_one(linked, client_for):
    body = {"spans": [ZHANG, PKU], "relations": [WORKS_AT]}
    both_annotate(linked, client_for, body, body)
    finals_refresh(project_id=linked.id)
    snippet = Snippet.objects.get(project=linked)

    shown = client_for("manager").get(f"/api/v1/snippets/{snippet.id}/history/").json()

    stored = [{"id": "R1", "from": "T1", "to": "T2", "type": "任职于"}]
    assert [work["revisions"][0]["relations"] for work in shown["work"]] == [stored, stored]
    assert shown["final"]["relations"] == stored


def test_work_done_before_comes_back_with_its_relations(typed, client_for, upload):
    """Page Up in the workspace: the work submitted before, to correct, whole; a correction
    sent without its relations would drop them."""
    upload(typed, "two.txt", f"{TEXT}\n\n第二段没有关系。".encode())
    client = client_for("annotator")
    first = task(client, typed)
    assert first["snippet"]["text"] == TEXT
    submit(client, first, spans=[ZHANG, PKU], relations=[WORKS_AT])
    current = task(client, typed)

    back = client.get(f"/api/v1/assignments/{current['id']}/previous/").json()

    assert back["id"] == first["id"]
    assert back["latest"]["relations"] == [{"id": "R1", "from": "T1", "to": "T2", "type": "任职于"}]
