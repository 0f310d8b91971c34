"""Attendance writes. Every write is one keyword-only function, one transaction, one audit line.

Import from here: `from apps.attendance.services import punch_create`.
"""

from apps.attendance.services._common import Outcome, can_decide, local_today
from apps.attendance.services.adjustments import (
    adjustment_request_approve,
    adjustment_request_cancel,
    adjustment_request_create,
    adjustment_request_reject,
)
from apps.attendance.services.bulk import BulkItemResult, requests_bulk_approve
from apps.attendance.services.decisions import (
    DecisionRules,
    register_decision_rules,
    request_cancel,
    request_decide,
)
from apps.attendance.services.leave import (
    leave_request_approve,
    leave_request_cancel,
    leave_request_create,
    leave_request_reject,
    leave_working_days,
)
from apps.attendance.services.leave_balances import (
    leave_accrue_year,
    leave_balance,
    leave_balance_adjust,
    leave_type_create,
    leave_type_credit_this_year,
)
from apps.attendance.services.overtime import (
    overtime_request_approve,
    overtime_request_cancel,
    overtime_request_create,
    overtime_request_reject,
)
from apps.attendance.services.punches import Location, geofence_check, punch_create
from apps.attendance.services.records import RecomputeResult, recompute_days, records_recompute
from apps.attendance.services.setup import (
    holiday_set,
    policy_update,
    shift_assignment_create,
    shift_create,
    site_create,
)

__all__ = [
    "BulkItemResult",
    "DecisionRules",
    "Location",
    "Outcome",
    "RecomputeResult",
    "adjustment_request_approve",
    "adjustment_request_cancel",
    "adjustment_request_create",
    "adjustment_request_reject",
    "can_decide",
    "geofence_check",
    "holiday_set",
    "leave_accrue_year",
    "leave_balance",
    "leave_balance_adjust",
    "leave_request_approve",
    "leave_request_cancel",
    "leave_request_create",
    "leave_request_reject",
    "leave_type_create",
    "leave_type_credit_this_year",
    "leave_working_days",
    "local_today",
    "overtime_request_approve",
    "overtime_request_cancel",
    "overtime_request_create",
    "overtime_request_reject",
    "policy_update",
    "punch_create",
    "recompute_days",
    "records_recompute",
    "register_decision_rules",
    "request_cancel",
    "request_decide",
    "requests_bulk_approve",
    "shift_assignment_create",
    "shift_create",
    "site_create",
]
