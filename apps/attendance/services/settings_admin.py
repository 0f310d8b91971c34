"""Admin Center writes that the setup services do not cover: removing a calendar date."""

from datetime import date

from django.db import transaction

from apps.access.models import Membership, Organization
from apps.attendance.models import Holiday
from apps.audit.services import audit_record


def holiday_remove(*, organization: Organization, day: date, actor: Membership | None = None) -> bool:
    """Make `day` an ordinary day of the calendar again. Removing a date that is not in the calendar
    changes nothing and records nothing (a retried request is harmless). Returns whether one was removed."""
    with transaction.atomic():
        holiday = Holiday.objects.for_org(organization).select_for_update().filter(date=day).first()
        if holiday is None:
            return False
        holiday_id, details = holiday.pk, {"date": day, "name": holiday.name, "kind": holiday.kind}
        holiday.delete()
        audit_record(
            action="attendance.holiday.remove",
            actor=actor,
            organization=organization,
            target_type="attendance.holiday",
            target_id=holiday_id,
            details=details,
        )
    return True
