from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotation.core.i18n import translated
from annotation.core.tokens import decode_spans
from annotation.ingest.formats import FORMATS
from annotation.ingest.tokenizer import ENGINES, engine_available
from annotation.models import ImportJob, Snippet, TokenizeRun
from annotation.selectors import import_progress, import_status


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=FORMATS, required=False, allow_blank=True)
    text_column = serializers.CharField(required=False, default="text", max_length=200)
    title_column = serializers.CharField(required=False, default="", allow_blank=True)
    annotations = serializers.ChoiceField(
        choices=["suggestions", "final"],
        default="suggestions",
        help_text="A file's annotations shown to annotators as suggestions, or kept as the "
        "snippets' final annotations.",
    )
    clean = serializers.ChoiceField(
        choices=["auto", "yes", "no"],
        default="auto",
        help_text="The project's cleaning: auto keeps records that carry annotations (other "
        "tools' files, spans in ours) exactly as they are and cleans the rest; yes cleans "
        "every record; no keeps every text as it is.",
    )


class ImportJobSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    tokenized = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField()

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
            "titles",
            "records_split",
            "tokenized",
            "errors",
            "created_at",
            "finished_at",
        ]

    def get_status(self, job: ImportJob) -> str:
        return import_status(job)

    def get_errors(self, job: ImportJob) -> list[dict]:
        """Each error with its line and its reason, in the caller's language."""
        errors = []
        for error in job.errors:
            message = error.get("message")
            params = error.get("params") or {}
            reason = translated(message, params, gettext) if message else error["reason"]
            errors.append({"line": error.get("line"), "reason": reason})
        return errors

    def get_progress(self, job: ImportJob) -> float:
        return round(import_progress(job), 4)

    def get_tokenized(self, job: ImportJob) -> int:
        return job.tokenize_run.snippets_done if job.tokenize_run else 0


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
    }
)
class TokenSpansField(serializers.Field):
    """Stored token ends ("2,5") as ``[[0, 2], [2, 5]]`` code-point spans; read-only."""

    def __init__(self, **kwargs) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: str) -> list[list[int]]:
        return decode_spans(value)


class SnippetSerializer(serializers.ModelSerializer):
    tokens = TokenSpansField()
    status = serializers.SerializerMethodField()

    class Meta:
        model = Snippet
        fields = [
            "id",
            "article",
            "position",
            "text",
            "tokens",
            "tokenizer_version",
            "suggestions",
            "status",
        ]

    def get_status(self, snippet: Snippet) -> str:
        return "tokenized" if snippet.tokenizer_version else "new"


class DictionaryWordSerializer(serializers.Serializer):
    word = serializers.CharField(max_length=100)
    freq = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, allow_null=True, default=None
    )
    tag = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")

    def validate_word(self, word: str) -> str:
        if any(char.isspace() for char in word):
            raise serializers.ValidationError(gettext("A dictionary word holds no spaces."))
        return word


class TokenizeRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = TokenizeRun
        fields = ["id", "status", "progress", "snippets_total", "snippets_done", "created_at"]


MAX_DICTIONARY_WORDS = 10_000


class TokenizerSerializer(serializers.Serializer):
    engine = serializers.ChoiceField(choices=ENGINES, default="jieba")
    hmm = serializers.BooleanField()
    # A project's own words (jieba reads them all in when the tokenizer is made).
    words = DictionaryWordSerializer(many=True, max_length=MAX_DICTIONARY_WORDS)
    version = serializers.CharField(read_only=True)
    run = TokenizeRunSerializer(read_only=True, allow_null=True)

    def validate_engine(self, engine: str) -> str:
        if not engine_available(engine):
            raise serializers.ValidationError(
                gettext("%s is not installed on this server.") % engine
            )
        return engine

    def validate_words(self, words: list[dict]) -> list[dict]:
        seen = set()
        for item in words:
            if item["word"] in seen:
                raise serializers.ValidationError(gettext("%s is listed twice.") % item["word"])
            seen.add(item["word"])
        return words
