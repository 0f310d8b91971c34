"""Resolving anomalies in a batch: one request per anomaly (the one the anomalies list suggests, or the
type the item names), created on the member's behalf, and for an admin with `approve` approved at once.

Each item is settled on its own (a savepoint each): a refused item is reported with its code and changes
nothing, and the others go on. The whole call is idempotent by organization + key (`PayrollWrite`): a retry
with the same key and items gets the first answer and changes nothing; the key's row is written first, so a
concurrent duplicate waits for the first call and then reads its answer.

Who may resolve whose: employees their own anomalies, approvers their team's, admins everyone's in the
organization. A member outside that scope, or of another organization, is an item error NOT_FOUND with
nothing about them in the answer.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access import roles
from apps.access.models import Membership
from apps.attendance import hooks
from apps.attendance import services as attendance
from apps.attendance.calendar import WorkCalendar
from apps.attendance.models import AdjustmentRequest, DailyRecord, LeaveRequest, RequestStatus
from apps.attendance.selectors import visible_members
from apps.audit.services import audit_record
from apps.core.errors import DomainError, Forbidden, ValidationFailed
from apps.core.params import date_supported
from apps.payroll_cycles.anomalies import suggested_request_type
from apps.payroll_cycles.services._common import clean_key, idempotent
from apps.payroll_cycles.summary.sql import ANOMALY_STATUSES

MAX_ITEMS = 1000
REQUEST_TYPES = ("leave", "missed_check_in", "missed_check_out", "time_correction")
ITEM_FIELDS = (
    "member",
    "date",
    "request_type",
    "reason",
    "leave_type",
    "requested_in_at",
    "requested_out_at",
)


class ItemError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Item:
    index: int
    raw: dict[str, Any]
    member: Membership | None = None
    day: date | None = None


def _bad(message: str) -> ItemError:
    return ItemError("VALIDATION_ERROR", message)


def _moment(value, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise _bad(_("%(field)s must be a date and time with an offset.") % {"field": field}) from None
    if timezone.is_naive(moment):
        raise _bad(_("%(field)s needs a timezone offset.") % {"field": field})
    return moment


def _text(value, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _bad(_("%(field)s must be text.") % {"field": field})
    return value


def _resolve_members(viewer: Membership, items: list[Item]) -> None:
    """Each item's member among those the viewer may resolve for (one query); the rest stay None."""
    ids = {i.raw.get("member") for i in items if isinstance(i.raw.get("member"), int)}
    names = {i.raw.get("member").strip() for i in items if isinstance(i.raw.get("member"), str)}
    names.discard("")
    scope = visible_members(viewer=viewer)
    if not viewer.can(roles.WRITE) and not viewer.can(roles.ADMINISTER):
        scope = scope.exclude(pk=viewer.pk)  # an approver asks for their team, not for themself
    found = list(
        scope.filter(Q(pk__in=ids) | Q(user__username__in=names) | Q(employee_no__in=names))
        .select_related("user", "organization")
        .order_by("pk")
    )
    by_id = {m.pk: m for m in found}
    by_name: dict[str, Membership] = {}
    for member in found:
        if member.employee_no:
            by_name.setdefault(member.employee_no, member)
        by_name[member.user.username] = member  # a username wins over someone's employee number
    for item in items:
        value = item.raw.get("member")
        if isinstance(value, bool):
            continue
        item.member = by_id.get(value) if isinstance(value, int) else by_name.get(str(value or "").strip())


def _parse_day(item: Item) -> None:
    raw = item.raw.get("date")
    try:
        day = date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        day = None
    if day is None or not date_supported(day):
        raise _bad(_("date must be a date as YYYY-MM-DD."))
    item.day = day


def _default_times(kind: str, status: str, schedule, tzinfo) -> tuple[datetime | None, datetime | None]:
    """The punch times that settle the anomaly: the shift's start for a missing or late check-in, its end
    for a missing or early check-out."""
    shift = schedule.shift
    if shift is None:
        raise _bad(_("This day has no shift: give requestedInAt or requestedOutAt."))
    start, end = shift.bounds(schedule.work_date, tzinfo)
    wants_in = kind == "missed_check_in" or (kind == "time_correction" and status in ("late", "late_early"))
    wants_out = kind == "missed_check_out" or (
        kind == "time_correction" and status in ("early_leave", "late_early")
    )
    if kind == "time_correction" and not (wants_in or wants_out):
        wants_in = wants_out = True
    return (start if wants_in else None), (end if wants_out else None)


def anomalies_resolve(
    *,
    actor: Membership,
    items: list[dict[str, Any]],
    idempotency_key: str,
    approve: bool = False,
    reason: str = "",
    leave_type: str = "",
) -> tuple[dict, bool]:
    """Create (and, for an admin with `approve`, approve) the requests that settle the listed anomalies.
    Returns the answer and whether it is a replay."""
    key = clean_key(idempotency_key)
    if not key:
        raise ValidationFailed(
            "IDEMPOTENCY_KEY_REQUIRED",
            _("Send an idempotencyKey so that a retry cannot write twice."),
            {"field": "idempotencyKey"},
        )
    if not 1 <= len(items) <= MAX_ITEMS:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("Send 1 to %(max)s items at a time.") % {"max": MAX_ITEMS},
            {"fields": {"items": [_("Between 1 and %(max)s items.") % {"max": MAX_ITEMS}]}},
        )
    if approve and not actor.can(roles.ADMINISTER):
        raise Forbidden("FORBIDDEN", _("Only an administrator may approve while resolving."))
    payload = {"items": items, "approve": approve, "reason": reason, "leaveType": leave_type}
    return idempotent(
        organization=actor.organization,
        key=key,
        operation="anomalies.resolve",
        payload=payload,
        run=lambda: _run(actor=actor, raw_items=items, approve=approve, reason=reason, leave_type=leave_type),
    )


def _run(*, actor: Membership, raw_items: list[dict], approve: bool, reason: str, leave_type: str) -> dict:
    items = [Item(index=n, raw={k: raw.get(k) for k in ITEM_FIELDS}) for n, raw in enumerate(raw_items)]
    _resolve_members(actor, items)
    results: list[dict | None] = [None] * len(items)
    ready: list[Item] = []
    seen: set[tuple[int, date]] = set()
    for item in items:
        try:
            _parse_day(item)
            if item.member is None:
                raise ItemError("NOT_FOUND", _("No such member in your scope."))
        except ItemError as error:
            results[item.index] = _result(item, "error", code=error.code, message=error.message)
            continue
        if (item.member.pk, item.day) in seen:
            results[item.index] = _result(
                item, "skipped", code="DUPLICATE_ITEM", message=_("The same day is listed twice.")
            )
            continue
        seen.add((item.member.pk, item.day))
        ready.append(item)

    organization = actor.organization
    if ready:
        member_ids = {i.member.pk for i in ready}
        days = {i.day for i in ready}
        records = {
            (r.member_id, r.work_date): r
            for r in DailyRecord.objects.for_org(organization).filter(
                member_id__in=member_ids, work_date__in=days
            )
        }
        pending = _pending(organization, member_ids, days)
        locked = hooks.locked_pairs(organization_id=organization.pk, member_ids=member_ids, dates=days)
        calendar = WorkCalendar(
            organization=organization, member_ids=member_ids, start=min(days), end=max(days)
        )
    for item in ready:
        pair = (item.member.pk, item.day)
        record = records.get(pair)
        if record is None or record.status not in ANOMALY_STATUSES:
            results[item.index] = _result(
                item, "skipped", code="NOT_AN_ANOMALY", message=_("This day has nothing to settle.")
            )
            continue
        if pair in pending:
            kind, pk = pending[pair]
            results[item.index] = _result(
                item,
                "skipped",
                code="REQUEST_PENDING",
                message=_("A request for this day is already waiting for a decision."),
                request={"type": kind, "id": pk},
            )
            continue
        if pair in locked:
            results[item.index] = _result(
                item, "error", code="PERIOD_LOCKED", message=_("This day is in a locked period.")
            )
            continue
        try:
            with transaction.atomic():
                results[item.index] = _settle(
                    actor=actor,
                    item=item,
                    record=record,
                    schedule=calendar.day(item.member.pk, item.day),
                    tzinfo=calendar.tzinfo,
                    approve=approve,
                    reason=reason,
                    leave_type=leave_type,
                )
        except (ItemError, DomainError) as error:
            results[item.index] = _result(item, "error", code=error.code, message=str(error.message))
    counts = {name: sum(1 for r in results if r["result"] == name) for name in ("created", "approved")}
    counts["skipped"] = sum(1 for r in results if r["result"] == "skipped")
    counts["errors"] = sum(1 for r in results if r["result"] == "error")
    audit_record(
        action="payroll.anomalies.resolve",
        actor=actor,
        organization=organization,
        details={"items": len(results), "approve": approve, **counts},
    )
    return {**counts, "results": results}


def _pending(organization, member_ids: set[int], days: set[date]) -> dict[tuple[int, date], tuple[str, int]]:
    """The (member, day) pairs that already have a pending adjustment or leave request (two queries)."""
    out: dict[tuple[int, date], tuple[str, int]] = {}
    for member_id, day, kind, pk in (
        AdjustmentRequest.objects.for_org(organization)
        .filter(member_id__in=member_ids, work_date__in=days, status=RequestStatus.PENDING)
        .values_list("member_id", "work_date", "kind", "pk")
    ):
        out[member_id, day] = (kind, pk)
    for leave in LeaveRequest.objects.for_org(organization).filter(
        member_id__in=member_ids,
        status=RequestStatus.PENDING,
        start_date__lte=max(days),
        end_date__gte=min(days),
    ):
        for day in days:
            if leave.start_date <= day <= leave.end_date:
                out.setdefault((leave.member_id, day), ("leave", leave.pk))
    return out


def _settle(
    *,
    actor: Membership,
    item: Item,
    record: DailyRecord,
    schedule,
    tzinfo,
    approve: bool,
    reason: str,
    leave_type: str,
) -> dict:
    raw = item.raw
    kind = raw.get("request_type") or suggested_request_type(record)
    if kind not in REQUEST_TYPES:
        raise _bad(_("requestType must be one of %(types)s.") % {"types": ", ".join(REQUEST_TYPES)})
    why = (
        _text(raw.get("reason"), "reason").strip() or reason.strip() or _("Settled from the anomalies list.")
    )
    if kind == "leave":
        code = _text(raw.get("leave_type"), "leaveType").strip() or leave_type.strip()
        if not code:
            raise ItemError("LEAVE_TYPE_UNKNOWN", _("Give leaveType to settle a day with leave."))
        request = attendance.leave_request_create(
            member=item.member,
            leave_type=code,
            start_date=item.day,
            end_date=item.day,
            reason=why,
            actor=actor,
        ).obj
        label = "leave"
    else:
        requested_in = _moment(raw.get("requested_in_at"), "requestedInAt")
        requested_out = _moment(raw.get("requested_out_at"), "requestedOutAt")
        if requested_in is None and requested_out is None:
            requested_in, requested_out = _default_times(kind, record.status, schedule, tzinfo)
        request = attendance.adjustment_request_create(
            member=item.member,
            kind=kind,
            work_date=item.day,
            reason=why,
            requested_in_at=requested_in,
            requested_out_at=requested_out,
            actor=actor,
        ).obj
        label = kind
    if approve:
        attendance.request_decide(request=request, approver=actor, verb="approve")
        return _result(item, "approved", request={"type": label, "id": request.pk}, request_type=kind)
    return _result(item, "created", request={"type": label, "id": request.pk}, request_type=kind)


def _result(
    item: Item,
    result: str,
    *,
    code: str = "",
    message: str = "",
    request: dict | None = None,
    request_type: str | None = None,
) -> dict:
    """One item's line of the answer: it echoes what the caller sent (never a member they may not see)."""
    member = item.raw.get("member")
    asked = item.raw.get("request_type")
    return {
        "index": item.index,
        "member": member if isinstance(member, (int, str)) and not isinstance(member, bool) else None,
        "date": item.day.isoformat() if item.day else None,
        "request_type": request_type or (asked if isinstance(asked, str) and asked else None),
        "result": result,
        "code": code,
        "message": message,
        "request": request,
    }
