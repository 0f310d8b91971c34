"""The Payroll tab's pages, mounted at /admin-center/payroll/ (namespace admin_payroll)."""

from django.urls import path

from apps.payroll_cycles.admin_pages import cycle_pages, cycles, period_templates

app_name = "admin_payroll"

urlpatterns = [
    path("", cycles.cycles, name="home"),
    path("generate/", cycles.generate, name="generate"),
    path("cycles/new/", cycles.create, name="cycle-create"),
    path("cycles/<int:cycle_id>/", cycle_pages.overview, name="cycle"),
    path("cycles/<int:cycle_id>/summary/", cycle_pages.summary, name="cycle-summary"),
    path("cycles/<int:cycle_id>/anomalies/", cycle_pages.anomaly_list, name="cycle-anomalies"),
    path("cycles/<int:cycle_id>/anomalies/settle/", cycle_pages.anomalies_settle, name="anomalies-settle"),
    path("cycles/<int:cycle_id>/changes/", cycle_pages.changes, name="cycle-changes"),
    path("cycles/<int:cycle_id>/delete/", cycles.delete, name="cycle-delete"),
    path("cycles/<int:cycle_id>/<slug:action>/", cycles.move, name="cycle-move"),
    path("templates/", period_templates.templates, name="templates"),
    path("templates/<int:template_id>/", period_templates.template_edit, name="template-edit"),
    path("templates/<int:template_id>/delete/", period_templates.template_delete, name="template-delete"),
]
