"""Reads of the operation log, always scoped to one organization first."""

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from apps.access.models import Organization
from apps.audit.models import OperationLog, chain_key
from apps.core.errors import ValidationFailed
from apps.core.params import ascii_int, date_supported

DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FILTER_PARAMS = ("actor", "action", "target", "result", "from", "to", "q")


@dataclass(frozen=True)
class LogFilters:
    actor: str = ""
    action: str = ""
    target: str = ""
    result: str = ""
    since: datetime | None = None
    until: datetime | None = None
    q: str = ""

    def as_json(self) -> dict:
        return {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in vars(self).items()
            if value
        }


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
                _("`%(name)s` must be a date (YYYY-MM-DD) or an ISO 8601 date-time.") % {"name": name},
                {"fields": {name: [_("Not a date or date-time.")]}},
            )
        # A date is a whole day in the organization's timezone; `to` includes it.
        moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, organization.tzinfo)
    return moment


def parse_log_filters(params, organization: Organization) -> LogFilters:
    try:
        values = {name: str(params.get(name, "")).strip() for name in FILTER_PARAMS}
    except (TypeError, ValueError):
        values = dict.fromkeys(FILTER_PARAMS, "")
    if values["result"] and values["result"] not in OperationLog.Result.values:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("`result` must be ok, denied or failed."),
            {"fields": {"result": [_("Not one of ok, denied, failed.")]}},
        )
    for name in ("actor", "action", "target", "q"):
        if len(values[name]) > 200:
            raise ValidationFailed(
                "VALIDATION_ERROR",
                _("`%(name)s` is too long.") % {"name": name},
                {"fields": {name: [_("Too long.")]}},
            )
    return LogFilters(
        actor=values["actor"],
        action=values["action"],
        target=values["target"],
        result=values["result"],
        since=_moment(values["from"], "from", organization, end=False),
        until=_moment(values["to"], "to", organization, end=True),
        q=values["q"],
    )


def audit_log_entries(*, organization: Organization, filters: LogFilters) -> QuerySet[OperationLog]:
    """The organization's sealed entries. The chain is the organization the entry was hashed with: an entry
    whose organization column was changed afterwards stays out of the other organization's log (and
    `audit_verify` reports it). Unsealed entries appear once sealed, seconds later (docs/audit.md)."""
    entries = (
        OperationLog.objects.for_org(organization)
        .filter(chain=chain_key(organization.pk), sequence__isnull=False)
        .select_related("organization")
    )
    if filters.actor:
        entries = entries.filter(
            Q(actor_label=filters.actor) | Q(actor_id=ascii_int(filters.actor))
            if ascii_int(filters.actor) is not None
            else Q(actor_label=filters.actor)
        )
    if filters.action:
        entries = entries.filter(action__startswith=filters.action)
    if filters.target:
        kind, _separator, ident = filters.target.rpartition(":")
        entries = entries.filter(
            Q(target_type=kind, target_id=ident)
            if kind
            else Q(target_id=filters.target) | Q(target_type=filters.target)
        )
    if filters.result:
        entries = entries.filter(result=filters.result)
    if filters.since:
        entries = entries.filter(created_at__gte=filters.since)
    if filters.until:
        entries = entries.filter(created_at__lt=filters.until)
    if filters.q:
        entries = entries.annotate(details_text=Cast("details", TextField())).filter(
            Q(action__icontains=filters.q)
            | Q(actor_label__icontains=filters.q)
            | Q(target_id__icontains=filters.q)
            | Q(target_type__icontains=filters.q)
            | Q(request_id__icontains=filters.q)
            | Q(details_text__icontains=filters.q)
        )
    return entries


SUMMARY_TOP = 50


def audit_log_summary(*, organization: Organization, filters: LogFilters) -> dict:
    """Counts by action, actor and result over the window (the last 7 days unless from/to say otherwise)."""
    until = filters.until or timezone.now()
    since = filters.since or until - timedelta(days=7)
    window = LogFilters(**{**vars(filters), "since": since, "until": until})
    entries = audit_log_entries(organization=organization, filters=window).order_by()

    def counts(field: str, limit: int | None = SUMMARY_TOP) -> list[dict]:
        rows = entries.values(field).annotate(count=Count("id")).order_by("-count", field)
        return [
            {"key": row[field] or "-", "count": row["count"]} for row in (rows[:limit] if limit else rows)
        ]

    by_result = counts("result", None)
    return {
        "since": since,
        "until": until,
        "total": sum(row["count"] for row in by_result),
        "by_action": counts("action"),
        "by_actor": counts("actor_label"),
        "by_result": by_result,
    }
