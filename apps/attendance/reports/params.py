"""The reports' query parameters: a bad one is the same 400 in the API, its CSV and the pages."""

from collections.abc import Mapping
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.attendance import selectors
from apps.attendance.services._common import local_today
from apps.core.errors import ValidationFailed
from apps.core.params import DATE_MAX, DATE_MIN, ascii_int, date_supported


def read_text(params: Mapping, name: str) -> str:
    return (params.get(name) or "").strip()


def read_year(params: Mapping, viewer: Membership) -> int:
    raw = read_text(params, "year")
    if not raw:
        return local_today(viewer).year
    year = ascii_int(raw)
    if year is None or not DATE_MIN.year <= year <= DATE_MAX.year:
        message = _("year must be a year between %(first)s and %(last)s.") % {
            "first": DATE_MIN.year,
            "last": DATE_MAX.year,
        }
        raise ValidationFailed("VALIDATION_ERROR", message, {"fields": {"year": [message]}})
    return year


def read_date(params: Mapping, name: str) -> date | None:
    raw = read_text(params, name)
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None or not date_supported(day):
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("%(name)s must be a date as YYYY-MM-DD.") % {"name": name},
            {"fields": {name: [_("Not a date between 1900-01-01 and 2199-12-31.")]}},
        )
    return day


def departments_for(*, viewer: Membership) -> list[str]:
    """The departments of the members the viewer sees, sorted (a member without one: "")."""
    return sorted(
        set(selectors.visible_members(viewer=viewer).order_by().values_list("department", flat=True))
    )


def read_department(params: Mapping, viewer: Membership) -> str | None:
    """None: every department. A name no member in the viewer's scope has is 400 UNKNOWN_DEPARTMENT."""
    name = read_text(params, "department")
    if not name:
        return None
    if not selectors.visible_members(viewer=viewer).filter(department=name).exists():
        raise ValidationFailed(
            "UNKNOWN_DEPARTMENT",
            _("No member you may see is in the department %(name)s.") % {"name": repr(name)},
            {"fields": {"department": [_("Unknown department.")]}},
        )
    return name


def read_member(params: Mapping, viewer: Membership) -> Membership | None:
    identifier = read_text(params, "member")
    return selectors.member_lookup(viewer=viewer, identifier=identifier) if identifier else None


def member_scope(
    viewer: Membership, department: str | None, member: Membership | None
) -> QuerySet[Membership]:
    members = selectors.visible_members(viewer=viewer)
    if department is not None:
        members = members.filter(department=department)
    if member is not None:
        members = members.filter(pk=member.pk)
    return members
