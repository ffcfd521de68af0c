"""Writes of gold items (honeypots): references, scores, and pausing who falls short.

A manager gives a snippet a reference annotation; the snippet leaves the pool and is mixed
into every annotator's tasks at the project's ``gold_percent``, looking like any other
task. Each annotator's first submit of it is scored against the reference. An annotator
whose accuracy, over at least GOLD_MIN_SCORED items, falls below ``gold_min_accuracy`` is
flagged, and with ``gold_pause`` paused until a manager lets them go on.
"""

from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from annotation.core.links import link_keys, span_key
from annotation.models import GoldItem, GoldResult, Snippet
from annotation.quality.metrics import span_f1
from projects.models import Membership, Project

GOLD_MIN_SCORED = 5  # gold items scored before an accuracy counts


def falls_short(scored: int, right: int, minimum: float) -> bool:
    """Whether an accuracy on gold items counts (enough scored) and is below ``minimum``
    percent."""
    return scored >= GOLD_MIN_SCORED and 100 * right / scored < minimum


def gold_compare(reference: GoldItem, annotation: dict[str, Any]) -> tuple[bool, float | None]:
    """Whether the annotation matches the reference in everything the reference holds
    (spans exactly, the set of classes, the segmentation where one is given, relations
    and events by what they link), and the exact span F1."""

    mine = {span_key(span) for span in annotation["spans"]}
    theirs = {span_key(span) for span in reference.spans}
    correct = mine == theirs and set(annotation["classes"]) == set(reference.classes)
    if reference.segmentation:
        correct = correct and annotation["segmentation"] == reference.segmentation
    links = link_keys(annotation["spans"], annotation["relations"], annotation["events"])
    correct = correct and links == link_keys(reference.spans, reference.relations, reference.events)
    return correct, span_f1([theirs], [mine])


@transaction.atomic
def gold_set(*, project: Project, snippet: Snippet, annotation: dict, user: User) -> GoldItem:
    """Make the snippet a gold item with this reference (or change its reference)."""
    gold, _ = GoldItem.objects.update_or_create(
        snippet=snippet,
        defaults={"project": project, "created_by": user, **annotation},
    )
    Snippet.objects.filter(id=snippet.id).update(gold=True)
    return gold


@transaction.atomic
def gold_remove(*, gold: GoldItem) -> None:
    """The snippet is an ordinary one again; its scores go with the reference."""
    Snippet.objects.filter(id=gold.snippet_id).update(gold=False)
    gold.delete()


def gold_score(
    *, project_id: int, snippet_id: int, assignment_id: int, annotator_id: int, annotation: dict
) -> GoldResult | None:
    """Score a first submit of a gold item (inside the submit's transaction), and pause
    the annotator if the project says so and their accuracy fell short."""
    gold = GoldItem.objects.filter(snippet_id=snippet_id).select_related("project").first()
    if gold is None:
        return None
    correct, f1 = gold_compare(gold, annotation)
    result, _ = GoldResult.objects.get_or_create(
        assignment_id=assignment_id,
        defaults={"gold": gold, "annotator_id": annotator_id, "correct": correct, "span_f1": f1},
    )
    project = gold.project
    if project.gold_pause:
        figures = GoldResult.objects.filter(
            gold__project_id=project_id, annotator_id=annotator_id
        ).aggregate(scored=Count("id"), right=Count("id", filter=Q(correct=True)))
        if falls_short(figures["scored"], figures["right"], project.gold_min_accuracy):
            Membership.objects.filter(
                project_id=project_id, user_id=annotator_id, paused_at__isnull=True
            ).update(paused_at=timezone.now())
    return result


def gold_resume(*, project: Project, user: User) -> None:
    """Let a paused annotator take tasks again."""
    Membership.objects.filter(project=project, user=user).update(paused_at=None)
