"""Input and output shapes of the attendance API (snake_case here, camelCase on the wire), one module per noun.

The names are re-exported here so `from apps.attendance.api import serializers as s` keeps working."""

from apps.attendance.api.serializers.adjustments import AdjustmentIn, AdjustmentOut, AdjustmentsPageOut
from apps.attendance.api.serializers.bulk import BulkApproveIn, BulkApproveOut, BulkItemOut
from apps.attendance.api.serializers.common import AwareDateTimeField, DecisionIn, MemberRefOut
from apps.attendance.api.serializers.leave import (
    LeaveBalanceAdjustIn,
    LeaveBalanceOut,
    LeaveRequestIn,
    LeaveRequestOut,
    LeaveRequestsPageOut,
    LeaveTypeOut,
    LedgerEntryOut,
    LedgerPageOut,
)
from apps.attendance.api.serializers.overtime import (
    OvertimeRequestIn,
    OvertimeRequestOut,
    OvertimeRequestsPageOut,
)
from apps.attendance.api.serializers.punches import LocationIn, LocationOut, PunchesPageOut, PunchIn, PunchOut
from apps.attendance.api.serializers.records import (
    RECORD_STATUS_SHOWN,
    RecordOut,
    RecordsPageOut,
    RecordsSummaryOut,
    StatusCountsOut,
)
from apps.attendance.api.serializers.schedule import ScheduleDayOut, ShiftOut

__all__ = [
    "RECORD_STATUS_SHOWN",
    "AdjustmentIn",
    "AdjustmentOut",
    "AdjustmentsPageOut",
    "AwareDateTimeField",
    "BulkApproveIn",
    "BulkApproveOut",
    "BulkItemOut",
    "DecisionIn",
    "LeaveBalanceAdjustIn",
    "LeaveBalanceOut",
    "LeaveRequestIn",
    "LeaveRequestOut",
    "LeaveRequestsPageOut",
    "LeaveTypeOut",
    "LedgerEntryOut",
    "LedgerPageOut",
    "LocationIn",
    "LocationOut",
    "MemberRefOut",
    "OvertimeRequestIn",
    "OvertimeRequestOut",
    "OvertimeRequestsPageOut",
    "PunchIn",
    "PunchOut",
    "PunchesPageOut",
    "RecordOut",
    "RecordsPageOut",
    "RecordsSummaryOut",
    "ScheduleDayOut",
    "ShiftOut",
    "StatusCountsOut",
]
