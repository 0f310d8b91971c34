"""django-filter FilterSets of the attendance lists: the records API and the records export.

Query parameters keep their wire names (`from`, `to` are Python keywords, hence `vars()` in the class
bodies); every message is one a person can act on, and the views answer a bad value in the envelope
(`apps.core.filters.filtered`). The schema's parameters are declared on the views (drf-spectacular), as before.
"""

from datetime import date

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from apps.access.models import Membership
from apps.attendance import selectors
from apps.attendance.models import DailyRecord
from apps.core.errors import ValidationFailed

NOT_A_DATE = _("Not a date.")
ISO_DATE = {"input_formats": ["%Y-%m-%d"], "error_messages": {"invalid": "use YYYY-MM-DD"}}
MAX_RANGE_DAYS = 366


def date_range(start: date | None, end: date | None, *, today: date) -> tuple[date, date]:
    """A period of work dates: by default the first of this month up to today; `to` not before `from`,
    at most MAX_RANGE_DAYS days."""
    start = start or today.replace(day=1)
    end = end or max(today, start)
    if end < start:
        raise ValidationFailed(
            "INVALID_DATE_RANGE", gettext("to is before from."), {"fields": {"to": [gettext("Before from.")]}}
        )
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationFailed(
            "INVALID_DATE_RANGE",
            gettext("Ask for at most %(days)s days at a time.") % {"days": MAX_RANGE_DAYS},
        )
    return start, end


class CommaSeparated(filters.BaseInFilter):
    """`a,b,c`: any of them; empty parts are ignored, an empty list filters nothing."""

    def filter(self, qs, value):
        return super().filter(qs, [part for part in value or [] if part not in (None, "")])


class IntegerFilter(filters.Filter):
    field_class = forms.IntegerField


class IdsFilter(CommaSeparated, IntegerFilter):
    pass


class TextsFilter(CommaSeparated, filters.CharFilter):
    pass


class StatusesFilter(CommaSeparated, filters.ChoiceFilter):
    pass


class RecordExportFilter(filters.FilterSet):
    """The records export: `from`, `to`, and comma lists of member ids, statuses, sources, batch ids."""

    vars()["from"] = filters.DateFilter(field_name="work_date", lookup_expr="gte", **ISO_DATE)
    vars()["to"] = filters.DateFilter(field_name="work_date", lookup_expr="lte", **ISO_DATE)
    member = IdsFilter(field_name="member_id", error_messages={"invalid": "use ids separated by commas"})
    batch = IdsFilter(field_name="source_batch_id", error_messages={"invalid": "use ids separated by commas"})
    status = StatusesFilter(
        choices=DailyRecord.Status.choices,
        error_messages={"invalid_choice": f"one of {', '.join(sorted(DailyRecord.Status.values))}"},
    )
    source = TextsFilter()

    class Meta:
        model = DailyRecord
        fields: list = []


class RecordFilter(filters.FilterSet):
    """The records list: the records of `member` (username or employee number; 404 outside the viewer's
    scope) or of everyone the viewer sees, in the period `from`..`to` (see `date_range`)."""

    vars()["from"] = filters.DateFilter(input_formats=["%Y-%m-%d"], error_messages={"invalid": NOT_A_DATE})
    vars()["to"] = filters.DateFilter(input_formats=["%Y-%m-%d"], error_messages={"invalid": NOT_A_DATE})
    member = filters.CharFilter()

    class Meta:
        model = DailyRecord
        fields: list = []

    def __init__(self, data=None, *, viewer: Membership, today: date, **kwargs):
        super().__init__(data, queryset=DailyRecord.objects.none(), **kwargs)
        self.viewer, self.today = viewer, today
        self.start = self.end = None

    def error_message(self, errors) -> str:
        return gettext("%(name)s must be a date as YYYY-MM-DD.") % {"name": next(iter(errors))}

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        self.start, self.end = date_range(data.get("from"), data.get("to"), today=self.today)
        identifier = data.get("member") or ""
        member = selectors.member_lookup(viewer=self.viewer, identifier=identifier) if identifier else None
        return selectors.records_for(viewer=self.viewer, start=self.start, end=self.end, member=member)
