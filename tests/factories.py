import hashlib

import factory

from accounts.models import User
from projects.models import Membership, Project, Role

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"项目 {n}")
    description = "新闻实体标注"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.ANNOTATOR


def snippets_make(project: Project, count: int, batch=None) -> None:
    """``count`` short snippets ("第n句。") of one article in ``project``, without an import."""
    snippets_of(project, (f"第{n}句。" for n in range(count)), batch)


def random_spans(rng, length: int, labels) -> list[tuple[int, int, str]]:
    """Non-overlapping spans over ``length`` characters (as BIO tags can hold them), in
    order, some adjacent."""
    spans, at = [], 0
    while at < length:
        at += rng.randint(0, 4)
        size = rng.randint(1, 4)
        if at + size > length:
            break
        spans.append((at, at + size, rng.choice(labels)))
        at += size
    return spans


def snippets_of(project: Project, texts, batch=None, **fields) -> list:
    """One snippet per text in ``project``, cut from one article, without an import;
    ``fields`` set on each (``tokens``, ``gold``…). Their search text is written, as an
    import writes it."""
    from annotation.core.search import search_key
    from annotation.models import Article, Snippet, SnippetSearch

    texts = list(texts)
    raw = "".join(texts)
    article = Article.objects.create(project=project, raw_text=raw, raw_hash=_sha256(raw))
    snippets = Snippet.objects.bulk_create(
        (
            Snippet(
                project=project,
                article=article,
                batch=batch,
                position=n,
                text=text,
                text_hash=_sha256(text),
                offset_map=[0, 0],
                **fields,
            )
            for n, text in enumerate(texts)
        ),
        batch_size=5000,
    )
    SnippetSearch.objects.bulk_create(
        (SnippetSearch(snippet=s, project=project, text=search_key(s.text)) for s in snippets),
        batch_size=5000,
    )
    return snippets


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def work_submitted(snippet, annotator, *revisions: dict, status: str = "submitted"):
    """``annotator``'s work on ``snippet`` with one revision per dict (``spans`` as
    ``(start, end, label)``, ``classes``, ``segmentation``, ``relations`` and ``events`` as
    stored), the latest last."""
    from datetime import timedelta

    from django.utils import timezone

    from annotation.models import Assignment, Revision
    from annotation.quality.finals import final_mark

    assignment = Assignment.objects.create(
        project=snippet.project,
        snippet=snippet,
        annotator=annotator,
        status=status,
        lease_expires_at=timezone.now() + timedelta(minutes=30),
        submitted_at=timezone.now(),
    )
    for number, revision in enumerate(revisions or ({},), start=1):
        spans = [{"start": a, "end": b, "label": c} for a, b, c in revision.get("spans", ())]
        Revision.objects.create(
            assignment=assignment,
            number=number,
            annotator=annotator,
            spans=spans,
            classes=list(revision.get("classes", ())),
            segmentation=list(revision.get("segmentation", ())),
            relations=list(revision.get("relations", ())),
            events=list(revision.get("events", ())),
        )
    if not snippet.gold:  # as a submit does
        final_mark(snippet_id=snippet.id, project_id=snippet.project_id)
    return assignment


def adjudicated(snippet, **annotation):
    """A settlement of ``snippet`` by a new reviewer, ``annotation`` as stored (spans as
    dicts)."""
    from annotation.quality.reviewing import adjudication_settle

    reviewer = MembershipFactory(project_id=snippet.project_id, role="reviewer").user
    return adjudication_settle(
        project_id=snippet.project_id, snippet_id=snippet.id, annotation=annotation, user=reviewer
    )
