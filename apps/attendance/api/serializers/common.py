"""Shapes every attendance serializer module shares: a member reference, an aware moment, a page of a list,
the fields every kind of request shows, a decision."""

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


# A page of a list: a subclass adds `results` (and anything the list says besides). No docstring here: the
# schema would show it as every page's description.
class PageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


# What every kind of request shows (models.DecidableRequest): a subclass names its model and
# `fields = request_fields(<its own fields>)`. No docstring, for the same reason.
class DecidableRequestOut(serializers.ModelSerializer):
    member = MemberRefOut()
    decided_by = serializers.CharField(source="decided_by.user.username", allow_null=True, default=None)


def request_fields(*own: str) -> list[str]:
    """A request's fields in the order the API has always shown them: id, member, the kind's own, then
    where it stands."""
    return ["id", "member", *own, "status", "decided_by", "decided_at", "decision_comment", "created_at"]
