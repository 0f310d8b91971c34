"""Writing notifications. Each is written once per recipient and key (a unique constraint), in the
transaction of what it is about, and mailed after that transaction commits unless the recipient opted out."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access import roles
from apps.access.models import Membership, Organization
from apps.attendance.calendar import WorkCalendar, policy_for
from apps.attendance.models import (
    LeaveRequest,
    Notification,
    NotificationKind,
    NotificationPreference,
    Punch,
    RequestStatus,
)
from apps.audit.services import audit_record
from apps.core.errors import ValidationFailed

EMAIL_SEND = "notifications.email_send"  # tasks.py; queued by name so no service imports tasks
DIGEST_HOUR = 9  # the pending digest goes out on the first beat run after 09:00 in the organization's zone
# A check-out reminder is not sent for a shift that ended longer ago than this (the day is for a correction).
CHECK_OUT_REMINDER_WINDOW = timedelta(hours=12)


def _preferences(member_ids: Iterable[int]) -> dict[int, NotificationPreference]:
    return {p.member_id: p for p in NotificationPreference.objects.filter(member_id__in=list(member_ids))}


def _notify(
    *, organization: Organization, kind: str, entries: list[tuple[Membership | int, str, dict, str]]
) -> list[int]:
    """Write `entries` (recipient, dedupe key, data, link) of one kind, skipping recipients who muted it
    and keys already written; queue the e-mails of the new ones once the transaction commits. Returns the
    ids of the notifications written now."""
    if not entries:
        return []
    recipient_ids = [r if isinstance(r, int) else r.pk for r, *_ in entries]
    preferences = _preferences(recipient_ids)
    wanted = [
        (rid, key, data, link)
        for rid, (_r, key, data, link) in zip(recipient_ids, entries, strict=True)
        if kind not in (preferences[rid].muted if rid in preferences else [])
    ]
    existing = set(
        Notification.objects.filter(
            recipient_id__in=[rid for rid, *_ in wanted], dedupe_key__in={key for _, key, *_ in wanted}
        ).values_list("recipient_id", "dedupe_key")
    )
    new = [
        Notification(
            organization=organization, recipient_id=rid, kind=kind, dedupe_key=key, data=data, link=link
        )
        for rid, key, data, link in wanted
        if (rid, key) not in existing
    ]
    if not new:
        return []
    Notification.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    # ignore_conflicts leaves the objects without ids: read back the rows of this run (a racing run that
    # wrote the same keys first is the one that mails them).
    created = list(
        Notification.objects.filter(
            recipient_id__in=[n.recipient_id for n in new],
            dedupe_key__in={n.dedupe_key for n in new},
            kind=kind,
            emailed_at__isnull=True,
        ).values_list("pk", "recipient_id")
    )
    mail = [
        pk for pk, rid in created if kind not in (preferences[rid].no_email if rid in preferences else [])
    ]
    if mail:
        transaction.on_commit(
            lambda: [current_app.tasks[EMAIL_SEND].delay(notification_id=pk) for pk in mail]
        )
    return [pk for pk, _ in created]


def _deciders(member: Membership) -> list[Membership]:
    """Who may decide `member`'s requests: their manager when they can approve, else the admins."""
    manager = member.manager
    if manager is not None and manager.is_active and manager.can(roles.APPROVE):
        return [manager]
    admins = (
        Membership.objects.for_org(member.organization)
        .filter(is_active=True, roles__permissions__codename=roles.ADMINISTER)
        .exclude(pk=member.pk)
        .distinct()
    )
    return list(admins)


def _request_facts(request, *, noun: str, dates: list[date]) -> dict:
    first, last = (min(dates), max(dates)) if dates else (None, None)
    return {
        "noun": noun,
        "requestId": request.pk,
        "member": request.member.name,
        "startDate": first.isoformat() if first else "",
        "endDate": last.isoformat() if last else "",
    }


def request_submitted_notify(request, *, noun: str, dates: list[date]) -> list[int]:
    """A new request: its deciders are told (in the request's transaction)."""
    facts = _request_facts(request, noun=noun, dates=dates)
    key = f"{noun}:{request.pk}:submitted"
    return _notify(
        organization=request.organization,
        kind=NotificationKind.REQUEST_SUBMITTED,
        entries=[(decider, key, facts, "/attendance/approvals/") for decider in _deciders(request.member)],
    )


def request_decided_notify(request, *, noun: str, dates: list[date], actor: Membership) -> list[int]:
    """A decision (or a cancel by someone else): the requester is told. Their own cancel tells nobody."""
    if actor.pk == request.member_id:
        return []
    facts = {
        **_request_facts(request, noun=noun, dates=dates),
        "status": request.status,
        "by": actor.name,
        "comment": request.decision_comment,
    }
    return _notify(
        organization=request.organization,
        kind=NotificationKind.REQUEST_DECIDED,
        entries=[(request.member, f"{noun}:{request.pk}:{request.status}", facts, "/attendance/")],
    )


def pending_digest_send(*, organization: Organization, now: datetime | None = None, pending_models=()) -> int:
    """Once a day (the first run after DIGEST_HOUR in the organization's zone), each person who may decide
    pending requests is told how many wait. `pending_models` are the decidable request models."""
    now = now or timezone.now()
    local = now.astimezone(organization.tzinfo)
    if local.hour < DIGEST_HOUR:
        return 0
    counts: dict[int, int] = {}
    admins = list(
        Membership.objects.for_org(organization)
        .filter(is_active=True, roles__permissions__codename=roles.ADMINISTER)
        .distinct()
        .values_list("pk", flat=True)
    )
    approvers = set(
        Membership.objects.for_org(organization)
        .filter(is_active=True, roles__permissions__codename=roles.APPROVE)
        .values_list("pk", flat=True)
    )
    for model in pending_models:
        rows = (
            model.objects.for_org(organization)
            .filter(status=RequestStatus.PENDING)
            .values_list("member_id", "member__manager_id", "member__manager__is_active")
        )
        for member_id, manager_id, manager_active in rows:
            if manager_id and manager_active and manager_id in approvers:
                deciders = [manager_id]
            else:
                deciders = [a for a in admins if a != member_id]
            for decider in deciders:
                counts[decider] = counts.get(decider, 0) + 1
    key = f"pending_digest:{local.date().isoformat()}"
    return len(
        _notify(
            organization=organization,
            kind=NotificationKind.PENDING_DIGEST,
            entries=[(rid, key, {"count": n}, "/attendance/approvals/") for rid, n in sorted(counts.items())],
        )
    )


def missed_punch_reminders_send(*, organization: Organization, now: datetime | None = None) -> int:
    """Remind members with a shift that started `reminder_minutes` ago and no check-in (while the shift
    runs), or that ended that long ago with a check-in and no check-out. Days on approved leave and holidays
    are left alone. One reminder per member, kind and work date, however often beat runs."""
    now = now or timezone.now()
    minutes = policy_for(organization).reminder_minutes
    if not minutes:
        return 0
    wait = timedelta(minutes=minutes)
    tz = organization.tzinfo
    today = timezone.localdate(now, tz)
    days = [today - timedelta(days=1), today]
    member_ids = list(
        Membership.objects.for_org(organization).filter(is_active=True).values_list("pk", flat=True)
    )
    calendar = WorkCalendar(organization=organization, member_ids=member_ids, start=days[0], end=days[1])
    punched = set(
        Punch.objects.for_org(organization)
        .filter(member_id__in=member_ids, work_date__in=days)
        .values_list("member_id", "work_date", "kind")
    )
    on_leave = {
        (member_id, day)
        for member_id, start, end in LeaveRequest.objects.for_org(organization)
        .filter(status=RequestStatus.APPROVED, start_date__lte=days[1], end_date__gte=days[0])
        .values_list("member_id", "start_date", "end_date")
        for day in days
        if start <= day <= end
    }
    check_in, check_out = [], []
    for member_id in member_ids:
        for day in days:
            schedule = calendar.day(member_id, day)
            if not schedule.is_workday or (member_id, day) in on_leave:
                continue
            start, end = schedule.shift.bounds(day, tz)
            has_in = (member_id, day, Punch.Kind.IN) in punched
            has_out = (member_id, day, Punch.Kind.OUT) in punched
            if not has_in and start + wait <= now < end:
                facts = {"date": day.isoformat(), "time": start.astimezone(tz).strftime("%H:%M")}
                check_in.append((member_id, f"missed_check_in:{day.isoformat()}", facts, "/attendance/"))
            elif has_in and not has_out and end + wait <= now < end + CHECK_OUT_REMINDER_WINDOW:
                facts = {"date": day.isoformat(), "time": end.astimezone(tz).strftime("%H:%M")}
                check_out.append((member_id, f"missed_check_out:{day.isoformat()}", facts, "/attendance/"))
    with transaction.atomic():
        written = _notify(organization=organization, kind=NotificationKind.MISSED_CHECK_IN, entries=check_in)
        written += _notify(
            organization=organization, kind=NotificationKind.MISSED_CHECK_OUT, entries=check_out
        )
    return len(written)


def notifications_mark_read(
    *, member: Membership, ids: list[int] | None = None, everything: bool = False
) -> int:
    """Mark the member's own notifications read (`ids`, or all of them). Another person's ids are ignored.
    Returns how many changed (a second call changes none)."""
    if not everything and not ids:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("Say which notifications to mark read, or all of them."),
            {"fields": {"ids": [_("Required unless all is true.")]}},
        )
    unread = Notification.objects.filter(recipient=member, read_at__isnull=True)
    if not everything:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def notification_preferences_update(
    *,
    member: Membership,
    language: str | None = None,
    muted: list[str] | None = None,
    no_email: list[str] | None = None,
) -> NotificationPreference:
    """Change a person's notification choices (their own); one audit entry when something changed."""
    kinds = set(NotificationKind.values)
    languages = {code for code, _name in settings.LANGUAGES}
    if language is not None and language not in languages | {""}:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("Choose one of the languages offered."),
            {"fields": {"language": [_("Not a language of TimeLedger.")]}},
        )
    for field, values in (("muted", muted), ("noEmail", no_email)):
        unknown = sorted(set(values or []) - kinds)
        if unknown:
            raise ValidationFailed(
                "VALIDATION_ERROR",
                _("Unknown kind of notification: %(kinds)s.") % {"kinds": ", ".join(unknown)},
                {"fields": {field: [_("Not a kind of notification.")]}},
            )
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(member=member)
        before = {"language": preference.language, "muted": preference.muted, "noEmail": preference.no_email}
        if language is not None:
            preference.language = language
        if muted is not None:
            preference.muted = sorted(set(muted))
        if no_email is not None:
            preference.no_email = sorted(set(no_email))
        after = {"language": preference.language, "muted": preference.muted, "noEmail": preference.no_email}
        if after != before:
            preference.save()
            audit_record(
                action="attendance.notification_preferences.update",
                actor=member,
                target=preference,
                details={"before": before, "after": after},
            )
    return preference


__all__ = [
    "missed_punch_reminders_send",
    "notification_preferences_update",
    "notifications_mark_read",
    "pending_digest_send",
    "request_decided_notify",
    "request_submitted_notify",
]
