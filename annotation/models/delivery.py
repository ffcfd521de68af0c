"""Delivery: exports, written by a worker and stored in the database for any web process."""

from django.conf import settings
from django.db import models

from annotation.models.ingest import Job
from projects.models import Project


class ExportJob(Job):
    """An export: ``format`` and ``options`` (batches, status, version, offsets) as asked;
    the file is kept gzip-compressed as ``ExportChunk`` rows (delivery/storage.py), with
    what the format could not hold in ``dropped`` and the dataset card (Markdown) in
    ``card``."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="exports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    format = models.CharField(max_length=16)
    options = models.JSONField(default=dict, blank=True)
    items = models.PositiveIntegerField(default=0)
    size = models.BigIntegerField(default=0, help_text="The file's bytes.")
    stored_size = models.BigIntegerField(default=0, help_text="Its bytes stored (gzip).")
    dropped = models.JSONField(default=dict, blank=True)
    card = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)


class ExportChunk(models.Model):
    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "seq"], name="export_chunk_seq"),
        ]
