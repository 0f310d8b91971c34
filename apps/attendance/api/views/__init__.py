"""The attendance API: thin views that validate input, call one service or selector, and render."""

from apps.attendance.api.views.adjustments import (
    AdjustmentApproveView,
    AdjustmentCancelView,
    AdjustmentDetailView,
    AdjustmentRejectView,
    AdjustmentsView,
)
from apps.attendance.api.views.bulk import BulkApproveView
from apps.attendance.api.views.export import RecordsExportView
from apps.attendance.api.views.feeds import (
    CalendarFeedDocumentView,
    CalendarFeedRotateView,
    CalendarFeedView,
)
from apps.attendance.api.views.leave import (
    LeaveApproveView,
    LeaveBalanceAdjustView,
    LeaveBalancesView,
    LeaveCancelView,
    LeaveLedgerView,
    LeaveRejectView,
    LeaveRequestDetailView,
    LeaveRequestsView,
    LeaveTypesView,
)
from apps.attendance.api.views.overtime import (
    OvertimeApproveView,
    OvertimeCancelView,
    OvertimeRejectView,
    OvertimeRequestDetailView,
    OvertimeRequestsView,
)
from apps.attendance.api.views.punches import PunchesView
from apps.attendance.api.views.records import RecordsView, ScheduleView
from apps.attendance.api.views.reports import (
    AttendanceSummaryExportView,
    AttendanceSummaryView,
    LeaveSummaryExportView,
    LeaveSummaryView,
)

__all__ = [
    "AdjustmentApproveView",
    "AdjustmentCancelView",
    "AdjustmentDetailView",
    "AdjustmentRejectView",
    "AdjustmentsView",
    "AttendanceSummaryExportView",
    "AttendanceSummaryView",
    "BulkApproveView",
    "CalendarFeedDocumentView",
    "CalendarFeedRotateView",
    "CalendarFeedView",
    "LeaveApproveView",
    "LeaveBalanceAdjustView",
    "LeaveBalancesView",
    "LeaveCancelView",
    "LeaveLedgerView",
    "LeaveRejectView",
    "LeaveRequestDetailView",
    "LeaveRequestsView",
    "LeaveSummaryExportView",
    "LeaveSummaryView",
    "LeaveTypesView",
    "OvertimeApproveView",
    "OvertimeCancelView",
    "OvertimeRejectView",
    "OvertimeRequestDetailView",
    "OvertimeRequestsView",
    "PunchesView",
    "RecordsExportView",
    "RecordsView",
    "ScheduleView",
]
