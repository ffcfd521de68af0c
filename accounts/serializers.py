from rest_framework import serializers

from accounts.models import User
from accounts.selectors import user_can_create_projects


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    can_create_projects = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "is_staff", "can_create_projects"]

    def get_can_create_projects(self, user: User) -> bool:
        return user_can_create_projects(user)
