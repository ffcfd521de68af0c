"""Work for the demo project, so that every page shows something on its first run: made
through the same services the pages call, by the demo's own accounts.

- The first batch: both annotators label every snippet (people, places, organisations
  found by a small gazetteer, and a topic), disagreeing on the topic of a few; reviewed,
  its disagreements settled, accepted by the client, and exported for them.
- The second batch: labelled by both, in review, one piece of work sent back for rework.
- The others: open.
"""

from accounts.models import User
from annotation import flow
from annotation.core.validation import validate
from annotation.delivery.services import export_create
from annotation.models import (
    AcceptanceItem,
    Assignment,
    Batch,
    ExportJob,
    Review,
    ReviewStatus,
    Snippet,
)
from annotation.quality.acceptance import acceptance_mark, acceptance_start
from annotation.quality.reviewing import adjudication_settle, review_decide
from annotation.work.services import schema_of, task_next
from projects.models import Project

GAZETTEER = {
    "地名": ("聊城", "山东", "济南", "东昌府区", "茌平", "临清", "北京", "上海", "青岛"),
    "机构": ("市大数据局", "百度", "阿里", "腾讯", "人民政府", "管委会", "公司"),
}
TOPICS = ("产业", "政务", "社会")
NEAR = 8  # characters at most between a place and the organisation it locates


def _annotation(text: str, disagree: bool) -> dict:
    """What an annotator marks in ``text``: the gazetteer's first match of each entry, as
    long as it overlaps none marked before; each organisation 位于 the nearest place just
    before it (聊城 … 市大数据局); a topic by the text's words."""
    spans: list[dict] = []
    for label, names in GAZETTEER.items():
        for name in names:
            start = text.find(name)
            end = start + len(name)
            if start < 0 or any(s["start"] < end and start < s["end"] for s in spans):
                continue
            spans.append({"start": start, "end": end, "label": label, "text": name})
    topic = "产业" if "产业" in text or "企业" in text else "政务" if "政府" in text else "社会"
    if disagree:
        topic = TOPICS[(TOPICS.index(topic) + 1) % len(TOPICS)]
    spans.sort(key=lambda s: (s["start"], s["end"]))
    for number, span in enumerate(spans):
        span["id"] = f"s{number}"
    relations = []
    for organisation in (s for s in spans if s["label"] == "机构"):
        places = [
            s
            for s in spans
            if s["label"] == "地名" and 0 <= organisation["start"] - s["end"] <= NEAR
        ]
        if places:
            place = max(places, key=lambda s: s["end"])
            relations.append({"from": organisation["id"], "to": place["id"], "type": "位于"})
    return {"spans": spans, "classes": [topic], "relations": relations}


def _annotate(batch: Batch, annotators: list[User], disagreeing: set[int]) -> None:
    """Each annotator takes and submits every snippet of ``batch`` (the first by claim
    order: the demo's work starts at the first batch)."""
    size = Snippet.objects.filter(batch=batch).count()
    for annotator in annotators:
        for _turn in range(size):
            task = task_next(project_id=batch.project_id, annotator=annotator)
            if task is None or task.snippet.batch_id != batch.id:
                break
            disagree = annotator == annotators[-1] and task.snippet_id in disagreeing
            flow.submit(
                annotator=annotator,
                assignment_id=task.id,
                body=_annotation(task.snippet.text, disagree),
                time_spent_ms=20_000,
            )
    flow.batch_check(batch_id=batch.id)


def demo_work(*, project: Project, users: dict[str, User]) -> ExportJob | None:
    """Put the demo project's first two batches in motion; returns the client's export, or
    None (and nothing done) where work exists already or there are fewer than two batches."""
    batches = list(Batch.objects.filter(project=project).order_by("id"))
    if len(batches) < 2 or Assignment.objects.filter(project=project).exists():
        return None
    first, second = batches[:2]
    annotators = [users["annotator1"], users["annotator2"]]
    reviewer, client = users["reviewer"], users["client"]

    disputed = set(
        Snippet.objects.filter(batch=first).order_by("id").values_list("id", flat=True)[1:12:5]
    )
    _annotate(first, annotators, disputed)
    for review in Review.objects.filter(batch=first, status=ReviewStatus.PENDING):
        review_decide(review_id=review.id, reviewer=reviewer, accept=True)
    for settled in Snippet.objects.filter(id__in=disputed):  # before the client sees it
        adjudication_settle(
            project_id=project.id,
            snippet_id=settled.id,
            annotation=_settled(project, settled.text),
            user=reviewer,
        )
    acceptance, _created = acceptance_start(batch_id=first.id, user=client)
    for item in AcceptanceItem.objects.filter(acceptance=acceptance):
        acceptance_mark(item_id=item.id, user=client, verdict="right")
    export, _created = export_create(
        project=project, user=client, file_format="jsonl", language="zh-hans"
    )

    _annotate(second, annotators, set())
    pending = list(Review.objects.filter(batch=second, status=ReviewStatus.PENDING))
    for review in pending[1:]:
        review_decide(review_id=review.id, reviewer=reviewer, accept=True)
    if pending:
        review_decide(
            review_id=pending[0].id,
            reviewer=reviewer,
            accept=False,
            reason="“聊城”是地名，漏标了；请按规范补上。",
        )
    return export


def _settled(project: Project, text: str) -> dict:
    """The settlement of a disputed snippet, as stored: the first annotator's version."""
    project.refresh_from_db(fields=["updated_at"])
    schema = schema_of(project.id, project.updated_at)
    return validate(text, schema, _annotation(text, disagree=False))
