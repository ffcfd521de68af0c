from rest_framework import serializers

from annotation.ingest.formats import FORMATS
from annotation.ingest.tokenizer import decode_spans
from annotation.models import ImportJob, Snippet
from annotation.selectors import import_progress, import_status


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=FORMATS, required=False, allow_blank=True)
    text_column = serializers.CharField(required=False, default="text", max_length=200)
    title_column = serializers.CharField(required=False, default="", allow_blank=True)


class ImportJobSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    tokenized = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "project",
            "filename",
            "format",
            "size",
            "encoding",
            "status",
            "progress",
            "articles",
            "snippets",
            "duplicates",
            "tokenized",
            "errors",
            "created_at",
            "finished_at",
        ]

    def get_status(self, job: ImportJob) -> str:
        return import_status(job)

    def get_progress(self, job: ImportJob) -> float:
        return round(import_progress(job), 4)

    def get_tokenized(self, job: ImportJob) -> int:
        return job.tokenize_run.snippets_done if job.tokenize_run else 0


class SnippetSerializer(serializers.ModelSerializer):
    tokens = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    class Meta:
        model = Snippet
        fields = ["id", "article", "position", "text", "tokens", "tokenizer_version", "status"]

    def get_tokens(self, snippet: Snippet) -> list[list[int]]:
        return decode_spans(snippet.tokens)

    def get_status(self, snippet: Snippet) -> str:
        return "tokenized" if snippet.tokenizer_version else "new"
