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
        fields = [
            "id",
            "username",
            "display_name",
            "is_staff",
            "can_create_projects",
            "must_change_password",
        ]

    def get_can_create_projects(self, user: User) -> bool:
        return user_can_create_projects(user)


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "is_active",
            "is_staff",
            "must_change_password",
            "last_login",
            "date_joined",
        ]
        read_only_fields = fields


class UserCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField(required=False, default="", allow_blank=True)
    display_name = serializers.CharField(
        max_length=150, required=False, default="", allow_blank=True
    )
    password = serializers.CharField(
        required=False, default="", allow_blank=True, trim_whitespace=False, max_length=128
    )


class UserMadeSerializer(UserSerializer):
    """A new account, with the password made for it: shown once, never stored readable."""

    password = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "password"]
        read_only_fields = fields

    def get_password(self, user: User) -> str:
        return self.context.get("passwords", {}).get(user.id, "")


class UserUpdateSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class PasswordSetSerializer(serializers.Serializer):
    password = serializers.CharField(
        required=False, default="", allow_blank=True, trim_whitespace=False, max_length=128
    )


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(trim_whitespace=False, max_length=128)
    new_password = serializers.CharField(trim_whitespace=False, max_length=128)


class UsersImportSerializer(serializers.Serializer):
    file = serializers.FileField()
