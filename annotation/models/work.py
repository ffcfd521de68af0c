"""Handing out work and keeping it: assignments, revisions, tallies, the outbox."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from annotation.models.ingest import Batch, Snippet
from projects.models import Project


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    SKIPPED = "skipped", _("Skipped")
    EXPIRED = "expired", _("Lease expired")
    RETURNED = "returned", _("Returned for rework")


class Assignment(models.Model):
    """One annotator's slot on one snippet. Never two for the same annotator and snippet."""

    # Both are indexed through the indexes below, which begin with them: every claim
    # inserts an assignment and every submit rewrites one, an entry in each index.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    snippet = models.ForeignKey(
        Snippet, on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    status = models.CharField(
        max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.ACTIVE
    )
    lease_expires_at = models.DateTimeField()
    # The draft autosaved by the browser, and its version for optimistic concurrency.
    draft = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=0)
    skip_reason = models.CharField(max_length=500, blank=True)
    # Why the work came back (a reviewer's rejection, a client's finding), for its annotator.
    return_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["snippet", "annotator"], name="assignment_once_per_annotator"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "annotator", "status"], name="assignment_mine"),
            # Open work only (a few rows a project, whatever its history): what an annotator
            # holds, and the leases that ran out, found without reading the done work.
            models.Index(
                fields=["project", "annotator"],
                condition=models.Q(status__in=[AssignmentStatus.ACTIVE, AssignmentStatus.RETURNED]),
                name="assignment_open",
            ),
            models.Index(
                fields=["project", "lease_expires_at"],
                condition=models.Q(status=AssignmentStatus.ACTIVE),
                name="assignment_lease",
            ),
        ]


class Revision(models.Model):
    """One submitted annotation. Revisions are only ever added, never changed, but for a
    label renamed in the project's set, which is renamed in them too (annotation.labels)."""

    # Indexed by revision_number (assignment, number).
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="revisions", db_index=False
    )
    number = models.PositiveIntegerField()
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="revisions"
    )
    spans = models.JSONField(default=list, blank=True)
    classes = models.JSONField(default=list, blank=True)
    segmentation = models.JSONField(default=list, blank=True)
    relations = models.JSONField(default=list, blank=True)  # annotation.core.links
    events = models.JSONField(default=list, blank=True)
    time_spent_ms = models.PositiveIntegerField(default=0)
    late = models.BooleanField(default=False, help_text="Submitted after the lease expired.")
    idempotency_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "number"], name="revision_number"),
            models.UniqueConstraint(
                fields=["assignment", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="revision_idempotency_key",
            ),
        ]


class WorkTally(models.Model):
    """Running counts of one annotator's work on one batch, kept by the work services.

    Progress reads these rows instead of counting assignments and revisions. ``durations``
    is a histogram of seconds per submitted item (annotation.work.tally), from which the
    median is read.
    """

    # Indexed by tally_project_annotator and tally_batch_annotator.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="tallies", db_index=False
    )
    batch = models.ForeignKey(
        Batch, null=True, on_delete=models.CASCADE, related_name="tallies", db_index=False
    )
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tallies"
    )
    taken = models.PositiveIntegerField(default=0)
    submitted = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    expired = models.PositiveIntegerField(default=0)
    time_ms = models.PositiveBigIntegerField(default=0)
    durations = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "annotator"], name="tally_batch_annotator"),
        ]
        indexes = [
            models.Index(fields=["project", "annotator"], name="tally_project_annotator"),
        ]


class OutboxMessage(models.Model):
    """A job to send to the broker, written in the transaction that calls for it.

    Requests never talk to the broker: they add a row here, and annotation.jobs publishes
    pending rows after the commit, in the background, and again after a broker outage.
    ``coalesce_key`` keeps at most one pending message per key (a dirty flag): a burst of
    submits to one batch sends one check of that batch.
    """

    task = models.CharField(max_length=100)
    args = models.JSONField(default=list)
    coalesce_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["coalesce_key"],
                condition=models.Q(sent_at__isnull=True) & ~models.Q(coalesce_key=""),
                name="outbox_one_pending_per_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(sent_at__isnull=True), name="outbox_pending"
            ),
        ]
