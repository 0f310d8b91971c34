"""The operation log's FilterSet: the audit-logs API (list, CSV export, summary) and the audit viewer page
read the same filters with the same wire names.

`actor` (user name, or user id), `action` (a prefix), `target` (`type:id`, a target id or a type),
`result` (ok, denied, failed), `from` / `to` (a date in the organization's timezone, `to` inclusive, or an
ISO date-time, `to` exclusive) and `q` (free text in action, actor, target, request id or details). A bad
value is a 400 VALIDATION_ERROR naming it (apps.core.filters.filtered). The schema's parameters are
declared on the views (drf-spectacular), as before.
"""

import re
from datetime import datetime, time, timedelta
from functools import cached_property

from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from apps.access.models import Organization
from apps.audit.models import OperationLog
from apps.audit.selectors import audit_log_entries
from apps.core.errors import ValidationFailed
from apps.core.params import ascii_int, date_supported

DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TEXT = {"max_length": 200, "error_messages": {"max_length": _("Too long.")}}
TEXT_FILTERS = ("actor", "action", "target", "q")


def _moment(raw: str, name: str, organization: Organization, *, end: bool) -> datetime | None:
    if not raw:
        return None
    try:
        # A bare date is a day (Python would also read it as a midnight date-time).
        day = parse_date(raw) if DATE_ONLY.match(raw) else None
        moment = None if day else parse_datetime(raw)
    except ValueError:
        moment = day = None
    if (day and not date_supported(day)) or (moment and not date_supported(moment.date())):
        moment = day = None  # 0001-01-01 or 9999-12-31 would overflow in the timezone arithmetic below
    if moment is None:
        if day is None:
            raise ValidationFailed(
                "VALIDATION_ERROR",
                gettext("`%(name)s` must be a date (YYYY-MM-DD) or an ISO 8601 date-time.") % {"name": name},
                {"fields": {name: [gettext("Not a date or date-time.")]}},
            )
        # A date is a whole day in the organization's timezone; `to` includes it.
        moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, organization.tzinfo)
    return moment


class OperationLogFilter(filters.FilterSet):
    """The organization's sealed entries (apps.audit.selectors.audit_log_entries), filtered."""

    actor = filters.CharFilter(method="filter_actor", **TEXT)
    action = filters.CharFilter(field_name="action", lookup_expr="startswith", **TEXT)
    target = filters.CharFilter(method="filter_target", **TEXT)
    result = filters.ChoiceFilter(
        choices=OperationLog.Result.choices,
        error_messages={"invalid_choice": _("Not one of ok, denied, failed.")},
    )
    vars()["from"] = filters.CharFilter(method="filter_moment")  # `from` and `to` are Python keywords
    vars()["to"] = filters.CharFilter(method="filter_moment")
    q = filters.CharFilter(method="filter_q", **TEXT)

    class Meta:
        model = OperationLog
        fields: list = []

    def __init__(self, data=None, *, organization: Organization, **kwargs):
        super().__init__(data, queryset=audit_log_entries(organization=organization), **kwargs)
        self.organization = organization

    def error_message(self, errors) -> str:
        if "result" in errors:
            return gettext("`result` must be ok, denied or failed.")
        codes = {name: {error.code for error in found} for name, found in errors.as_data().items()}
        for name in TEXT_FILTERS:
            if "max_length" in codes.get(name, ()):
                return gettext("`%(name)s` is too long.") % {"name": name}
        return gettext("Some filters are not valid.")  # e.g. a NUL character

    @cached_property
    def window(self) -> tuple[datetime | None, datetime | None]:
        """(since, until) from `from` and `to`: a bad one is a 400 VALIDATION_ERROR naming it."""
        data = self.form.cleaned_data
        return (
            _moment(data.get("from") or "", "from", self.organization, end=False),
            _moment(data.get("to") or "", "to", self.organization, end=True),
        )

    def filter_actor(self, queryset, name, value):
        user_id = ascii_int(value)
        by_label = Q(actor_label=value)
        return queryset.filter(by_label | Q(actor_id=user_id) if user_id is not None else by_label)

    def filter_target(self, queryset, name, value):
        kind, _separator, ident = value.rpartition(":")
        return queryset.filter(
            Q(target_type=kind, target_id=ident) if kind else Q(target_id=value) | Q(target_type=value)
        )

    def filter_moment(self, queryset, name, value):
        since, until = self.window
        return (
            queryset.filter(created_at__gte=since)
            if name == "from"
            else queryset.filter(created_at__lt=until)
        )

    def filter_q(self, queryset, name, value):
        return queryset.annotate(details_text=Cast("details", TextField())).filter(
            Q(action__icontains=value)
            | Q(actor_label__icontains=value)
            | Q(target_id__icontains=value)
            | Q(target_type__icontains=value)
            | Q(request_id__icontains=value)
            | Q(details_text__icontains=value)
        )

    def as_json(self) -> dict:
        """The filters as given (for the export's audit entry): only those set, moments as ISO strings."""
        data = self.form.cleaned_data
        since, until = self.window
        values = {
            "actor": data.get("actor"),
            "action": data.get("action"),
            "target": data.get("target"),
            "result": data.get("result"),
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "q": data.get("q"),
        }
        return {key: value for key, value in values.items() if value}


FILTER_PARAMS = tuple(OperationLogFilter.base_filters)
