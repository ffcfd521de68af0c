from rest_framework import serializers

from projects.models import Project


class ProjectSerializer(serializers.ModelSerializer):
    role = serializers.CharField(read_only=True, help_text="The caller's role in the project.")

    class Meta:
        model = Project
        fields = ["id", "name", "description", "guidelines", "role", "created_at", "updated_at"]
        read_only_fields = ["id", "role", "created_at", "updated_at"]
