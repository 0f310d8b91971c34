"""The Admin Center's overview (`/admin-center/`): the registered figures, panels and section cards."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.access.admin_center import registry
from apps.access.admin_center.guard import admin_page
from apps.access.models import Membership


@require_GET
@admin_page
def home(request: HttpRequest, admin: Membership) -> HttpResponse:
    organization = admin.organization
    figures = [(figure, figure.count(organization)) for figure in registry.figures()]
    cards = [
        {"key": section.key, "title": section.title, "text": section.text, "url": url}
        for section in registry.sections()
        if section.text and (url := section.url())
    ]
    context = {
        "sections": cards,
        "figures": {figure.key: value for figure, value in figures},
        "figure_rows": [
            {"test_id": figure.test_id or figure.key, "label": figure.label, "value": value}
            for figure, value in figures
        ],
        "panels": [panel.template for panel in registry.panels()],
    }
    for panel in registry.panels():
        context.update(panel.context(organization))
    return render(request, "admin_center/home.html", context)
