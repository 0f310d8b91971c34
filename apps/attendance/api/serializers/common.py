"""Shapes every attendance serializer module shares: a member reference, an aware moment, a decision."""

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers


class MemberRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    employee_no = serializers.CharField()
    name = serializers.CharField()


class AwareDateTimeField(serializers.DateTimeField):
    """A moment with an explicit offset: a bare local time is ambiguous across timezones, so it is refused."""

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            raise serializers.ValidationError(_("Give a timezone offset, e.g. 2026-03-02T18:00:00+08:00."))
        return super().enforce_timezone(value)


class DecisionIn(serializers.Serializer):
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
