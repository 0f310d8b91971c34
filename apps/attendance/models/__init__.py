"""Attendance: shifts and calendars, punches, daily records, adjustment requests and leave.

Every table carries `organization` and is read through `OrgScopedQuerySet.for_org`. Writes go through
`apps.attendance.services`; no model method here changes data. The rules that turn punches into a daily
record are in `apps.attendance.computation` and written down in docs/attendance.md. One module per noun:
`schedule` (shifts, policy, assignments, holidays, sites), `records` (punches, daily records), `requests`
(the decidable-request base, adjustments, overtime), `leave` (types, requests, ledger), `notifications` (what a person is told, their choices), `feeds`
(calendar feeds).
"""

from apps.attendance.models.feeds import CalendarFeed
from apps.attendance.models.leave import LeaveLedgerEntry, LeaveRequest, LeaveType
from apps.attendance.models.notifications import Notification, NotificationKind, NotificationPreference
from apps.attendance.models.records import DailyRecord, Punch
from apps.attendance.models.requests import (
    AdjustmentRequest,
    DecidableRequest,
    OvertimeRequest,
    RequestStatus,
)
from apps.attendance.models.schedule import (
    ALL_WEEKDAYS,
    MONDAY_TO_FRIDAY,
    AttendancePolicy,
    Holiday,
    Shift,
    ShiftAssignment,
    Site,
    weekday_bit,
)

__all__ = [
    "ALL_WEEKDAYS",
    "MONDAY_TO_FRIDAY",
    "AdjustmentRequest",
    "AttendancePolicy",
    "CalendarFeed",
    "DailyRecord",
    "DecidableRequest",
    "Holiday",
    "LeaveLedgerEntry",
    "LeaveRequest",
    "LeaveType",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "OvertimeRequest",
    "Punch",
    "RequestStatus",
    "Shift",
    "ShiftAssignment",
    "Site",
    "weekday_bit",
]
