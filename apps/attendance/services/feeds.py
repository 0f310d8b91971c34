"""Calendar feeds: the secret URL of a member's feed (made on first ask), rotating it, finding a feed by its
token. See apps/attendance/models/feeds.py for how tokens are kept (derived, never stored; only a hash)."""

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access import roles
from apps.access.models import Membership
from apps.attendance.models import CalendarFeed
from apps.attendance.services._common import lock_member
from apps.audit.services import audit_record
from apps.core.errors import Forbidden, NotFound, ValidationFailed

Kind = CalendarFeed.Kind
TOKEN_PREFIX = "cal_"  # noqa: S105 - a prefix, not a secret
# Who may have which feed: every member their own, approvers their team's leave, admins the holidays.
NEEDS = {Kind.PERSONAL: roles.READ, Kind.TEAM: roles.APPROVE, Kind.HOLIDAYS: roles.ADMINISTER}
FETCH_STAMP_EVERY = timedelta(minutes=15)


def feed_kind(value: str | None) -> str:
    value = (value or Kind.PERSONAL).strip()
    if value not in Kind.values:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("Unknown calendar feed kind; use personal, team or holidays."),
            {"fields": {"kind": [_("Invalid.")]}},
        )
    return value


def feed_token(feed: CalendarFeed) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"calendar-feed:{feed.salt}".encode(), hashlib.sha256)
    return TOKEN_PREFIX + base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _salted(feed: CalendarFeed) -> CalendarFeed:
    feed.salt = secrets.token_hex(32)
    feed.token_hash = _token_hash(feed_token(feed))
    return feed


def _allowed(member: Membership, kind: str) -> bool:
    return member.is_active and member.can(NEEDS[kind])


def _ensure_allowed(member: Membership, kind: str) -> None:
    if not _allowed(member, kind):
        raise Forbidden(
            "FORBIDDEN",
            {
                Kind.PERSONAL: _("You cannot read attendance in this organization."),
                Kind.TEAM: _("Only approvers have a feed of their team's leave."),
                Kind.HOLIDAYS: _("Only administrators have the organization's holiday feed."),
            }[kind],
        )


def calendar_feed_get(*, member: Membership, kind: str = Kind.PERSONAL) -> CalendarFeed:
    """The member's feed of this kind, made (and audited) the first time it is asked for."""
    _ensure_allowed(member, kind)
    feed = CalendarFeed.objects.filter(member=member, kind=kind).first()
    if feed is not None:
        return feed
    return _write(member, kind, action="attendance.calendar_feed.create")


def calendar_feed_rotate(*, member: Membership, kind: str = Kind.PERSONAL) -> CalendarFeed:
    """A new secret URL for the feed (made if there was none); the old one answers 404 from now on."""
    _ensure_allowed(member, kind)
    return _write(member, kind, action="attendance.calendar_feed.rotate")


def _write(member: Membership, kind: str, *, action: str) -> CalendarFeed:
    with transaction.atomic():
        lock_member(member)  # two first asks (or rotations) at once run one after the other
        feed = CalendarFeed.objects.select_for_update().filter(member=member, kind=kind).first()
        if feed is not None and action.endswith(".create"):
            return feed
        if feed is None:
            feed = CalendarFeed(organization=member.organization, member=member, kind=kind)
        else:
            feed.rotated_at = timezone.now()
        _salted(feed).save()
        audit_record(action=action, actor=member, target=feed, details={"kind": kind})
    return feed


def calendar_feed_resolve(*, token: str) -> CalendarFeed:
    """The feed whose URL holds this token, while its owner may still have it; else 404 (a rotated or
    unknown token, a deactivated member, a role taken away)."""
    feed = None
    if token.startswith(TOKEN_PREFIX) and len(token) <= 100:
        feed = (
            CalendarFeed.objects.select_related("member__user", "member__organization", "organization")
            .filter(token_hash=_token_hash(token))
            .first()
        )
    if (
        feed is None
        or not hmac.compare_digest(feed_token(feed), token)
        or not _allowed(feed.member, feed.kind)
    ):
        raise NotFound("NOT_FOUND", _("No such calendar feed (the address may have been replaced)."))
    now = timezone.now()
    if feed.last_fetched_at is None or feed.last_fetched_at < now - FETCH_STAMP_EVERY:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
    return feed
