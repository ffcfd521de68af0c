"""Quality runs through the API: agreement over the work annotators submitted."""

import pytest

from annotation.models import Batch, QualityRun, Snippet
from annotation.quality.metrics import (
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha_nominal,
    span_f1,
)
from annotation.quality.services import quality_run_execute
from tests.annotation.quality.conftest import CLASSES, PLACE, SNIPPETS, annotate_everything
from tests.conftest import ACTORS

pytestmark = pytest.mark.django_db


def start_run(client, project, django_capture_on_commit_callbacks):
    """POST a run (it runs at commit, eagerly); the POST's answer and the run as then read."""
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/v1/projects/{project.id}/quality-runs/")
    return started, client.get(f"/api/v1/quality-runs/{started.json()['id']}/").json()


def test_a_quality_run_reports_agreement_per_metric_pair_label_and_batch(
    quality_project, client_for, django_capture_on_commit_callbacks
):
    annotate_everything(quality_project, django_capture_on_commit_callbacks)
    reviewer = client_for("reviewer")

    started, run = start_run(reviewer, quality_project, django_capture_on_commit_callbacks)

    assert started.status_code == 202
    assert run["status"] == "succeeded" and run["progress"] == 1.0
    results = run["results"]
    assert (results["judgements"], results["annotators"], results["snippets"]) == (12, 3, 4)
    classes = results["classes"]
    pairs = [("a1", "a2"), ("a1", "a3"), ("a2", "a3")]
    kappas = [cohen_kappa(CLASSES[a], CLASSES[b]) for a, b in pairs]
    assert [row["annotators"] for row in classes["pairs"]] == [list(pair) for pair in pairs]
    for row, kappa in zip(classes["pairs"], kappas, strict=True):
        assert row["cohen_kappa"] == pytest.approx(kappa, abs=1e-6) and row["items"] == 4
    assert classes["cohen_kappa"] == pytest.approx(sum(kappas) / 3, abs=1e-6)
    items = list(zip(*CLASSES.values(), strict=True))
    assert classes["fleiss_kappa"] == pytest.approx(fleiss_kappa(items), abs=1e-6)
    alpha = krippendorff_alpha_nominal(items)
    assert classes["krippendorff_alpha"] == pytest.approx(alpha, abs=1e-6)
    assert set(classes["labels"]) == {"正面", "负面"}
    spans = results["spans"]
    beijing = {name: [[(4, 6, label)], [], [], []] for name, label in PLACE.items()}
    assert spans["f1_exact"] == pytest.approx(
        span_f1(beijing["a1"] * 3, beijing["a2"] + beijing["a3"] + beijing["a3"]), abs=1e-6
    )
    assert [row["f1_exact"] for row in spans["pairs"]] == [1.0, 0.0, 0.0]
    assert spans["labels"]["地名"]["f1_exact"] == 0.5  # 2·1 / (3 + 1) over the three pairs
    [conflict] = results["consistency"]["label_conflicts"]
    assert (conflict["text"], conflict["labels"]) == ("北京", {"地名": 2, "机构": 1})
    assert conflict["snippets"] == [Snippet.objects.get(text=SNIPPETS[0]).id]
    # Nobody corrected jieba: the segmentations agree entirely.
    assert results["segmentation"]["boundary_f1"] == 1.0
    [batch] = results["batches"]
    assert batch["name"] == Batch.objects.get().name and batch["classes"] == {
        key: classes[key] for key in batch["classes"]
    }


def test_a_run_done_twice_gives_the_same_results_and_no_second_row(
    quality_project, client_for, django_capture_on_commit_callbacks
):
    annotate_everything(quality_project, django_capture_on_commit_callbacks)
    runs_before = QualityRun.objects.count()  # the batch's completion queued one
    reviewer = client_for("reviewer")
    _, first = start_run(reviewer, quality_project, django_capture_on_commit_callbacks)

    quality_run_execute(run_id=first["id"])  # a second delivery of the same job
    _, again = start_run(reviewer, quality_project, django_capture_on_commit_callbacks)

    stored = QualityRun.objects.get(id=first["id"])
    assert stored.attempts == 1 and stored.results == first["results"] != {}
    assert again["results"] == first["results"] and again["id"] != first["id"]
    assert QualityRun.objects.count() == runs_before + 2


def test_a_completed_batch_queues_a_run(
    quality_project, client_for, django_capture_on_commit_callbacks
):
    annotate_everything(quality_project, django_capture_on_commit_callbacks)

    [run] = QualityRun.objects.all()
    assert run.batch == Batch.objects.get() and run.batch.status == "reviewing"
    assert run.status == "succeeded" and run.results["snippets"] == 4


def test_asking_again_while_a_run_waits_returns_that_run(quality_project, client_for):
    reviewer = client_for("reviewer")
    first = reviewer.post(f"/api/v1/projects/{quality_project.id}/quality-runs/")
    second = client_for("manager").post(f"/api/v1/projects/{quality_project.id}/quality-runs/")

    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["id"] == second.json()["id"]
    assert QualityRun.objects.count() == 1


@pytest.mark.parametrize("actor", ACTORS)
def test_quality_runs_by_actor(quality_project, client_for, actor):
    run = QualityRun.objects.create(project=quality_project)
    client = client_for(actor)

    started = client.post(f"/api/v1/projects/{quality_project.id}/quality-runs/").status_code
    listed = client.get(f"/api/v1/projects/{quality_project.id}/quality-runs/").status_code
    read = client.get(f"/api/v1/quality-runs/{run.id}/").status_code

    expected = {
        "anonymous": {401, 403},
        "outsider": {404},
        "client": {403},
        "annotator": {403},
    }.get(actor)
    if expected is None:  # reviewers and managers
        assert (started, listed, read) == (200, 200, 200)
    else:
        assert {started, listed, read} <= expected
    assert QualityRun.objects.count() == 1
