from django.urls import path

from apps.attendance.api import views

urlpatterns = [
    path("punches", views.PunchesView.as_view(), name="attendance-punches"),
    path("records", views.RecordsView.as_view(), name="attendance-records"),
    path("records/export.csv", views.RecordsExportView.as_view(), name="records-export"),
    path("schedule", views.ScheduleView.as_view(), name="attendance-schedule"),
    path("adjustments", views.AdjustmentsView.as_view(), name="attendance-adjustments"),
    path("adjustments/<int:pk>", views.AdjustmentDetailView.as_view(), name="attendance-adjustment"),
    path(
        "adjustments/<int:pk>/approve",
        views.AdjustmentApproveView.as_view(),
        name="attendance-adjustment-approve",
    ),
    path(
        "adjustments/<int:pk>/reject",
        views.AdjustmentRejectView.as_view(),
        name="attendance-adjustment-reject",
    ),
    path(
        "adjustments/<int:pk>/cancel",
        views.AdjustmentCancelView.as_view(),
        name="attendance-adjustment-cancel",
    ),
    path("leave-types", views.LeaveTypesView.as_view(), name="attendance-leave-types"),
    path("leave-balances", views.LeaveBalancesView.as_view(), name="attendance-leave-balances"),
    path(
        "leave-balances/adjustments",
        views.LeaveBalanceAdjustView.as_view(),
        name="attendance-leave-balance-adjust",
    ),
    path("leave-ledger", views.LeaveLedgerView.as_view(), name="attendance-leave-ledger"),
    path("leave-requests", views.LeaveRequestsView.as_view(), name="attendance-leave-requests"),
    path("leave-requests/<int:pk>", views.LeaveRequestDetailView.as_view(), name="attendance-leave-request"),
    path(
        "leave-requests/<int:pk>/approve", views.LeaveApproveView.as_view(), name="attendance-leave-approve"
    ),
    path("leave-requests/<int:pk>/reject", views.LeaveRejectView.as_view(), name="attendance-leave-reject"),
    path("leave-requests/<int:pk>/cancel", views.LeaveCancelView.as_view(), name="attendance-leave-cancel"),
    path("overtime-requests", views.OvertimeRequestsView.as_view(), name="attendance-overtime-requests"),
    path(
        "overtime-requests/<int:pk>",
        views.OvertimeRequestDetailView.as_view(),
        name="attendance-overtime-request",
    ),
    path(
        "overtime-requests/<int:pk>/approve",
        views.OvertimeApproveView.as_view(),
        name="attendance-overtime-approve",
    ),
    path(
        "overtime-requests/<int:pk>/reject",
        views.OvertimeRejectView.as_view(),
        name="attendance-overtime-reject",
    ),
    path(
        "overtime-requests/<int:pk>/cancel",
        views.OvertimeCancelView.as_view(),
        name="attendance-overtime-cancel",
    ),
    path("calendar-feed", views.CalendarFeedView.as_view(), name="attendance-calendar-feed"),
    path(
        "calendar-feed/rotate", views.CalendarFeedRotateView.as_view(), name="attendance-calendar-feed-rotate"
    ),
    path(
        "calendar-feed/<str:token>.ics",
        views.CalendarFeedDocumentView.as_view(),
        name="attendance-calendar-feed-ics",
    ),
    path("reports/leave-summary", views.LeaveSummaryView.as_view(), name="attendance-reports-leave-summary"),
    path(
        "reports/leave-summary/export.csv",
        views.LeaveSummaryExportView.as_view(),
        name="attendance-reports-leave-summary-export",
    ),
    path(
        "reports/attendance-summary",
        views.AttendanceSummaryView.as_view(),
        name="attendance-reports-attendance-summary",
    ),
    path(
        "reports/attendance-summary/export.csv",
        views.AttendanceSummaryExportView.as_view(),
        name="attendance-reports-attendance-summary-export",
    ),
    path("requests/bulk-approve", views.BulkApproveView.as_view(), name="attendance-requests-bulk-approve"),
]
