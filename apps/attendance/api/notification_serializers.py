"""Notifications on the wire (camelCase by the renderer)."""

from django.conf import settings
from rest_framework import serializers

from apps.attendance.models import NotificationKind
from apps.attendance.notifications.text import words


class NotificationOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    link = serializers.CharField(help_text="The page it is about (a path), or empty.")
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)

    def get_title(self, obj) -> str:
        return words(obj).title

    def get_body(self, obj) -> str:
        return words(obj).body


class NotificationsPageOut(serializers.Serializer):
    unread_count = serializers.IntegerField()
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = NotificationOut(many=True)


class MarkReadIn(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), max_length=1000, required=False
    )
    all = serializers.BooleanField(required=False, default=False)


class MarkReadOut(serializers.Serializer):
    marked = serializers.IntegerField()
    unread_count = serializers.IntegerField()


class PreferencesIn(serializers.Serializer):
    language = serializers.ChoiceField(
        choices=[("", "the organization's default"), *settings.LANGUAGES], required=False, allow_blank=True
    )
    muted = serializers.ListField(
        child=serializers.ChoiceField(choices=NotificationKind.choices), max_length=20, required=False
    )
    no_email = serializers.ListField(
        child=serializers.ChoiceField(choices=NotificationKind.choices), max_length=20, required=False
    )


class PreferencesOut(serializers.Serializer):
    language = serializers.CharField()
    muted = serializers.ListField(child=serializers.CharField())
    no_email = serializers.ListField(child=serializers.CharField())
