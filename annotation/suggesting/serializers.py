from rest_framework import serializers

from annotation.models import Engine


class ProjectModelSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    engine = serializers.ChoiceField(choices=Engine.choices, read_only=True)
    engine_name = serializers.CharField(source="get_engine_display", read_only=True)
    version = serializers.IntegerField(read_only=True)
    trained_on = serializers.IntegerField(read_only=True)
    held_out = serializers.IntegerField(read_only=True)
    finals = serializers.IntegerField(read_only=True)
    f1 = serializers.FloatField(read_only=True)
    baseline_f1 = serializers.FloatField(read_only=True)
    shown = serializers.BooleanField(read_only=True)
    seconds = serializers.FloatField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class EndpointSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    protocol = serializers.CharField(read_only=True)
    model = serializers.CharField(read_only=True)


class EndpointRunSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    endpoint = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    progress = serializers.FloatField(read_only=True)
    snippets = serializers.IntegerField(read_only=True)
    calls = serializers.IntegerField(read_only=True)
    cached = serializers.IntegerField(read_only=True)
    tokens = serializers.IntegerField(read_only=True)
    dropped = serializers.IntegerField(read_only=True)
    failures = serializers.IntegerField(read_only=True)
    error = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)


class EndpointRunStartSerializer(serializers.Serializer):
    endpoint = serializers.CharField(help_text="The name of an endpoint site staff configured.")


class SuggestionsSerializer(serializers.Serializer):
    """What the project's suggestion engines learned and say."""

    suggest_every = serializers.IntegerField(read_only=True)
    suggest_margin = serializers.FloatField(read_only=True)
    models = ProjectModelSerializer(many=True, read_only=True, help_text="Newest first.")
    gazetteer = serializers.IntegerField(read_only=True, help_text="Entries.")
    suggested = serializers.DictField(
        child=serializers.IntegerField(), read_only=True, help_text="Snippets, by engine."
    )
    endpoints = EndpointSerializer(many=True, read_only=True)
    engine_names = serializers.DictField(
        child=serializers.CharField(), read_only=True, help_text="Each engine's name, by code."
    )
    runs = EndpointRunSerializer(many=True, read_only=True, help_text="Newest first.")


class GazetteerUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A string, a tab and its label, a line.")
    label = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The label of every line that names none.",
    )
