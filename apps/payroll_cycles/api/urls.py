"""Mounted under /api/attendance/ (config/urls.py, before attendance's own routes)."""

from django.urls import path

from apps.payroll_cycles import services
from apps.payroll_cycles.api import anomaly_views, close_views, summary_views, views

urlpatterns = [
    path("payroll-templates", views.TemplatesView.as_view(), name="payroll-templates"),
    path("payroll-templates/<int:pk>", views.TemplateDetailView.as_view(), name="payroll-template"),
    path("payroll-cycles", views.CyclesView.as_view(), name="payroll-cycles"),
    path("payroll-cycles/generate", views.GenerateView.as_view(), name="payroll-cycles-generate"),
    path("payroll-cycles/<int:pk>", views.CycleDetailView.as_view(), name="payroll-cycle"),
    *[
        path(
            f"payroll-cycles/<int:pk>/{action}", views.transition_view(action), name=f"payroll-cycle-{action}"
        )
        for action in services.CYCLE_ACTIONS
    ],
    path(
        "payroll-cycles/<int:pk>/summary", summary_views.SummaryView.as_view(), name="payroll-cycle-summary"
    ),
    path(
        "payroll-cycles/<int:pk>/summary/export.csv",
        summary_views.SummaryExportView.as_view(),
        name="payroll-cycle-summary-export",
    ),
    path(
        "payroll-cycles/<int:pk>/summary/jobs",
        summary_views.SummaryJobsView.as_view(),
        name="payroll-cycle-summary-jobs",
    ),
    path(
        "payroll-cycles/<int:pk>/summary/jobs/<int:job_id>",
        summary_views.SummaryJobView.as_view(),
        name="payroll-cycle-summary-job",
    ),
    path(
        "payroll-cycles/<int:pk>/readiness",
        close_views.ReadinessView.as_view(),
        name="payroll-cycle-readiness",
    ),
    path("payroll-cycles/<int:pk>/changes", close_views.ChangesView.as_view(), name="payroll-cycle-changes"),
    path("anomalies", anomaly_views.AnomaliesView.as_view(), name="payroll-anomalies"),
    path("anomalies/resolve", anomaly_views.ResolveView.as_view(), name="payroll-anomalies-resolve"),
    path("overtime-rules", views.OvertimeRulesView.as_view(), name="payroll-overtime-rules"),
]
