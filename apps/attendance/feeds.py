"""iCalendar (RFC 5545) documents of calendar feeds, written with the `icalendar` library.

- personal: the member's shifts (one timed event per working day, in UTC, so no VTIMEZONE is needed and
  every client shows them at the right local time) and their approved leave (all-day events);
- team: the approved leave of the members an approver decides for (everyone else, for an admin);
- holidays: the organization's holidays and makeup workdays (all-day events).

UIDs are stable (`shift-<member>-<date>@`, `leave-<request>@`, `holiday-<org>-<date>@` and the host), so a
client updates an event instead of duplicating it; a leave request that is cancelled or rejected is simply
no longer in the feed, and clients drop it at the next refresh.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from apps.access import roles
from apps.access.models import Membership
from apps.attendance.calendar import WorkCalendar
from apps.attendance.models import CalendarFeed, Holiday, LeaveRequest

PRODID = "-//TimeLedger//Calendar feed 1.0//EN"
# What a feed covers around today: shifts a month back and a quarter ahead; leave and holidays a year each way.
SHIFTS_BEFORE, SHIFTS_AFTER = timedelta(days=31), timedelta(days=92)
OTHER_BEFORE, OTHER_AFTER = timedelta(days=366), timedelta(days=366)
REFRESH = timedelta(hours=1)  # what clients are asked to use as their refresh interval


@dataclass(frozen=True)
class Window:
    start: date
    end: date


def _uid(kind: str, *parts) -> str:
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "timeledger"
    return f"{kind}-{'-'.join(str(p) for p in parts)}@{host}"


def _calendar(name: str, tzname: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", tzname)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    return cal


def _event(*, uid: str, summary: str, start, end, stamp: datetime, description: str = "", **extra) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    if description:
        event.add("description", description)
    for key, value in extra.items():
        event.add(key.replace("_", "-"), value)
    return event


def _leave_event(request: LeaveRequest, *, with_name: bool) -> Event:
    label = request.leave_type.display_name
    if request.half:
        label = f"{label} ({request.get_half_display()})"
    summary = f"{request.member.name}: {label}" if with_name else label
    return _event(
        uid=_uid("leave", request.pk),
        summary=summary,
        start=request.start_date,
        end=request.end_date + timedelta(days=1),  # DTEND of an all-day event is exclusive
        stamp=request.decided_at or request.updated_at,
        last_modified=request.updated_at.astimezone(UTC),
        transp="OPAQUE",
        categories=[_("Leave")],
    )


def _approved_leave(organization, members, window: Window):
    return (
        LeaveRequest.objects.for_org(organization)
        .filter(
            member__in=members,
            status="approved",
            start_date__lte=window.end,
            end_date__gte=window.start,
        )
        .select_related("leave_type", "member__user")
        .order_by("start_date", "id")
    )


def personal_feed(feed: CalendarFeed, *, today: date) -> Calendar:
    member, organization = feed.member, feed.organization
    cal = _calendar(_("%(name)s · shifts and leave") % {"name": member.name}, organization.timezone)
    shifts = Window(today - SHIFTS_BEFORE, today + SHIFTS_AFTER)
    work = WorkCalendar(organization=organization, member_ids=[member.pk], start=shifts.start, end=shifts.end)
    stamp = timezone.now()
    day = shifts.start
    while day <= shifts.end:
        schedule = work.day(member.pk, day)
        if schedule.is_workday:
            start, end = schedule.shift.bounds(day, organization.tzinfo)
            cal.add_component(
                _event(
                    uid=_uid("shift", member.pk, day.isoformat()),
                    summary=schedule.shift.name,
                    start=start.astimezone(UTC),
                    end=end.astimezone(UTC),
                    stamp=stamp,
                    categories=[_("Shift")],
                )
            )
        day += timedelta(days=1)
    leave = Window(today - OTHER_BEFORE, today + OTHER_AFTER)
    for request in _approved_leave(organization, [member.pk], leave):
        cal.add_component(_leave_event(request, with_name=False))
    return cal


def team_feed(feed: CalendarFeed, *, members, today: date) -> Calendar:
    cal = _calendar(_("%(name)s · team leave") % {"name": feed.member.name}, feed.organization.timezone)
    for request in _approved_leave(
        feed.organization, members, Window(today - OTHER_BEFORE, today + OTHER_AFTER)
    ):
        cal.add_component(_leave_event(request, with_name=True))
    return cal


def holidays_feed(feed: CalendarFeed, *, today: date) -> Calendar:
    organization = feed.organization
    cal = _calendar(_("%(name)s · holidays") % {"name": organization.name}, organization.timezone)
    window = Window(today - OTHER_BEFORE, today + OTHER_AFTER)
    stamp = timezone.now()
    days = (
        Holiday.objects.for_org(organization).filter(date__range=(window.start, window.end)).order_by("date")
    )
    for holiday in days:
        makeup = holiday.kind == Holiday.Kind.MAKEUP_WORKDAY
        summary = (
            _("Makeup workday: %(name)s") % {"name": holiday.display_name} if makeup else holiday.display_name
        )
        cal.add_component(
            _event(
                uid=_uid("holiday", organization.pk, holiday.date.isoformat()),
                summary=summary,
                start=holiday.date,
                end=holiday.date + timedelta(days=1),
                stamp=stamp,
                transp="OPAQUE" if makeup else "TRANSPARENT",
                categories=[_("Makeup workday") if makeup else _("Holiday")],
            )
        )
    return cal


def team_members(viewer):
    """Whose leave a team feed shows: the approver's reports; for an admin, every other member."""
    members = Membership.objects.for_org(viewer.organization).filter(is_active=True).exclude(pk=viewer.pk)
    if viewer.can(roles.ADMINISTER):
        return members.values("pk")
    return members.filter(manager=viewer).values("pk")


def feed_document(feed: CalendarFeed) -> bytes:
    """The feed's .ics body as of now (dates around today in the organization's timezone)."""
    today = timezone.localdate(timezone=feed.organization.tzinfo)
    if feed.kind == CalendarFeed.Kind.TEAM:
        cal = team_feed(feed, members=team_members(feed.member), today=today)
    elif feed.kind == CalendarFeed.Kind.HOLIDAYS:
        cal = holidays_feed(feed, today=today)
    else:
        cal = personal_feed(feed, today=today)
    return cal.to_ical()
