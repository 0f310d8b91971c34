"""Retention settings: how long each organization keeps its operation log and attendance data.

The policy lives in `Organization.settings["retention"]` (`operationLogDays`, `attendanceDays`; defaults
from AUDIT_RETENTION_DAYS and ATTENDANCE_RETENTION_DAYS). The purge that applies it is audit's
(apps/audit/retention.py, `manage.py audit_retention`); attendance data goes through audit's purger hook.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from apps.access.hooks import record_operation
from apps.access.models import Organization
from apps.core.errors import ValidationFailed

SETTINGS_KEY = "retention"
LIMITS = {"operationLogDays": (30, 3650), "attendanceDays": (365, 3650)}


@dataclass(frozen=True)
class RetentionPolicy:
    operation_log_days: int
    attendance_days: int

    def as_json(self) -> dict:
        return {"operationLogDays": self.operation_log_days, "attendanceDays": self.attendance_days}


def default_policy() -> RetentionPolicy:
    return RetentionPolicy(settings.AUDIT_RETENTION_DAYS, settings.ATTENDANCE_RETENTION_DAYS)


def retention_policy(organization: Organization | None) -> RetentionPolicy:
    default = default_policy()
    stored = (organization.settings or {}).get(SETTINGS_KEY, {}) if organization else {}
    if not isinstance(stored, dict):
        return default
    return RetentionPolicy(
        operation_log_days=stored.get("operationLogDays", default.operation_log_days),
        attendance_days=stored.get("attendanceDays", default.attendance_days),
    )


def _validated(values: dict) -> dict:
    errors = {}
    for name, (low, high) in LIMITS.items():
        value = values.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = [
                _("Must be a whole number of days between %(low)s and %(high)s.") % {"low": low, "high": high}
            ]
    unknown = set(values) - set(LIMITS)
    for name in sorted(unknown):
        errors[name] = [_("Unknown setting.")]
    if errors:
        raise ValidationFailed(
            "VALIDATION_ERROR", _("Some retention settings are not valid."), {"fields": errors}
        )
    return {name: value for name, value in values.items() if value is not None}


def retention_policy_update(*, organization: Organization, actor, values: dict) -> RetentionPolicy:
    """Change the organization's retention (camelCase keys as stored). Only the given keys change."""
    changes = _validated(values)
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        before = retention_policy(organization)
        stored = dict((organization.settings or {}).get(SETTINGS_KEY) or {})
        stored.update(changes)
        organization.settings = {**(organization.settings or {}), SETTINGS_KEY: stored}
        organization.save(update_fields=["settings"])
        after = retention_policy(organization)
        record_operation(
            action="audit.retention.update",
            actor=actor,
            organization=organization,
            target=organization,
            details={"before": before.as_json(), "after": after.as_json()},
        )
    return after
