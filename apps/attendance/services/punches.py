"""Punches: clock in / clock out, from the API, the page, an import, an approved adjustment or an admin."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.attendance import events, hooks
from apps.attendance.calendar import WorkCalendar
from apps.attendance.models import AttendancePolicy, Punch, Site
from apps.attendance.services._common import (
    Outcome,
    fingerprint,
    lock_member,
    replay,
    validate_idempotency_key,
)
from apps.attendance.services.records import recompute_days
from apps.audit.models import OperationLog
from apps.audit.services import audit_record
from apps.core import metrics
from apps.core.errors import Conflict, Unprocessable, ValidationFailed

EARTH_RADIUS_M = 6_371_000
# Only these sources may say when the punch happened; a person's own punch always takes the server's time.
REFUSALS_AUDITED = {"OUTSIDE_GEOFENCE", "PERIOD_LOCKED"}
SOURCES_WITH_GIVEN_TIME = {Punch.Source.IMPORT, Punch.Source.ADJUSTMENT, Punch.Source.ADMIN}


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float
    accuracy: float | None = None


@dataclass(frozen=True)
class GeofenceVerdict:
    site: Site | None
    outside: bool
    distance_m: float | None


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), accurate to well under a metre at geofence scales."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def geofence_check(*, policy: AttendancePolicy, location: Location | None) -> GeofenceVerdict:
    """Inside when within the radius of an active site; with the geofence off (or no sites) always inside."""
    if policy.geofence == AttendancePolicy.Geofence.OFF:
        return GeofenceVerdict(site=None, outside=False, distance_m=None)
    sites = list(Site.objects.for_org(policy.organization).filter(is_active=True))
    if not sites:
        return GeofenceVerdict(site=None, outside=False, distance_m=None)
    if location is None:
        return GeofenceVerdict(site=None, outside=True, distance_m=None)
    nearest, nearest_distance = min(
        ((site, distance_m(location.lat, location.lon, site.latitude, site.longitude)) for site in sites),
        key=lambda pair: pair[1],
    )
    inside = nearest_distance <= nearest.radius_m
    return GeofenceVerdict(site=nearest if inside else None, outside=not inside, distance_m=nearest_distance)


def _clean_location(location: dict | Location | None) -> Location | None:
    if location is None or isinstance(location, Location):
        return location
    try:
        lat, lon = float(location["lat"]), float(location["lon"])
        accuracy = location.get("accuracy")
        accuracy = None if accuracy is None else float(accuracy)
    except (KeyError, TypeError, ValueError):
        raise ValidationFailed(
            "VALIDATION_ERROR", _("location needs numeric lat and lon."), {"field": "location"}
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (
        accuracy is not None and not 0 <= accuracy <= 100_000
    ):
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("location is out of range (lat -90..90, lon -180..180)."),
            {"field": "location"},
        )
    return Location(lat=lat, lon=lon, accuracy=accuracy)


def punch_create(
    *,
    member: Membership,
    kind: str,
    source: str,
    ip: str | None = None,
    device_id: str = "",
    location: dict | Location | None = None,
    idempotency_key: str = "",
    occurred_at: datetime | None = None,
    actor: Membership | None = None,
) -> Outcome[Punch]:
    """Record a clock-in or clock-out for `member` and recompute that work date's record.

    The time is now (the server's clock) unless the source is import, adjustment or admin. With an
    idempotency key, a retry with the same payload returns the first punch (`replayed=True`); the same key
    with another payload is 409 IDEMPOTENCY_KEY_REUSED. Outside every site: flagged, or 422
    OUTSIDE_GEOFENCE when the organization's geofence is strict. A locked date is 409 PERIOD_LOCKED.
    """
    if kind not in Punch.Kind.values:
        raise ValidationFailed("VALIDATION_ERROR", _('kind must be "in" or "out".'), {"field": "kind"})
    if source not in Punch.Source.values:
        raise ValidationFailed("VALIDATION_ERROR", _("Unknown punch source."), {"field": "source"})
    if occurred_at is not None and source not in SOURCES_WITH_GIVEN_TIME:
        raise ValidationFailed(
            "VALIDATION_ERROR", _("Only imports and administrators may set the punch time.")
        )
    if occurred_at is not None and timezone.is_naive(occurred_at):
        raise ValidationFailed(
            "VALIDATION_ERROR", _("occurredAt needs a timezone offset."), {"field": "occurredAt"}
        )
    device_id = (device_id or "").strip()
    if len(device_id) > 128:
        raise ValidationFailed(
            "VALIDATION_ERROR", _("deviceId is longer than 128 characters."), {"field": "deviceId"}
        )
    if not member.is_active:
        raise Conflict("MEMBER_INACTIVE", _("This member is deactivated."))
    key = validate_idempotency_key(idempotency_key)
    place = _clean_location(location)
    request_fingerprint = fingerprint(
        {
            "kind": kind,
            "source": source,
            "deviceId": device_id,
            "location": place and place.__dict__,
            "occurredAt": occurred_at,
        }
    )
    organization = member.organization

    try:
        with transaction.atomic():
            lock_member(member)
            if key:
                existing = Punch.objects.filter(member=member, idempotency_key=key).first()
                if existing is not None:
                    return replay(existing, request_fingerprint)
            moment = occurred_at or timezone.now()
            local_day = timezone.localdate(moment, organization.tzinfo)
            calendar = WorkCalendar(
                organization=organization,
                member_ids=[member.pk],
                start=local_day - timedelta(days=1),
                end=local_day,
            )
            work_date = calendar.work_date_of(member.pk, moment)
            hooks.ensure_unlocked(member=member, dates=[work_date])
            verdict = geofence_check(policy=calendar.policy, location=place)
            if verdict.outside and calendar.policy.geofence == AttendancePolicy.Geofence.STRICT:
                raise Unprocessable(
                    "OUTSIDE_GEOFENCE",
                    _("You are not at a work site, and this organization only accepts punches on site."),
                    {
                        "distanceM": round(verdict.distance_m) if verdict.distance_m is not None else None,
                        "locationGiven": place is not None,
                    },
                )
            # No savepoint: under the member lock the key was looked up above, so the unique (member, key)
            # constraint fails only in a race the lock rules out; the whole transaction answers it (below).
            punch = Punch.objects.create(
                organization=organization,
                member=member,
                occurred_at=moment,
                work_date=work_date,
                kind=kind,
                source=source,
                ip=ip or None,
                device_id=device_id,
                latitude=place.lat if place else None,
                longitude=place.lon if place else None,
                accuracy_m=place.accuracy if place else None,
                site=verdict.site,
                outside_geofence=verdict.outside,
                idempotency_key=key,
                request_fingerprint=request_fingerprint if key else "",
            )
            recompute_days(
                organization=organization,
                member_ids=[member.pk],
                dates=[work_date],
                members=[member],
                calendar=calendar,
                unlocked=True,  # refused above (ensure_unlocked) in this transaction
            )
            audit_record(
                action="attendance.punch.create",
                actor=actor or member,
                organization=organization,
                target=punch,
                details={
                    "member": member.pk,
                    "kind": kind,
                    "source": source,
                    "workDate": work_date,
                    "outsideGeofence": verdict.outside,
                },
            )
            events.punch_created(punch)
            metrics.punch_recorded(kind=kind, source=source)
    except IntegrityError:
        # The unique (member, key) constraint is the guarantee: this key's punch exists after all. The
        # transaction rolled back; answer as the first request was answered.
        existing = Punch.objects.filter(member=member, idempotency_key=key).first() if key else None
        if existing is None:
            raise
        return replay(existing, request_fingerprint)
    except (Conflict, Unprocessable) as refused:
        if refused.code in REFUSALS_AUDITED:
            # The refusal rolled back the punch's transaction; its audit line is written after it.
            audit_record(
                action="attendance.punch.create",
                actor=actor or member,
                organization=organization,
                result=OperationLog.Result.DENIED,
                details={"code": refused.code, "member": member.pk, "kind": kind, "source": source},
            )
        raise
    return Outcome(obj=punch)
