"""Payroll templates (`/admin-center/payroll/templates/`): list and add, change one, delete one."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.access.admin_center import admin_page
from apps.access.models import Membership
from apps.core.errors import DomainError, NotFound
from apps.payroll_cycles import labels, selectors, services
from apps.payroll_cycles.admin_pages.forms import TemplateForm, add_refusal
from apps.payroll_cycles.models import PayrollTemplate


def _template_or_404(admin: Membership, template_id: int) -> PayrollTemplate:
    try:
        return selectors.template_get(viewer=admin, template_id=template_id)
    except NotFound:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
@admin_page
def templates(request: HttpRequest, admin: Membership) -> HttpResponse:
    form = TemplateForm(request.POST or None, organization=admin.organization)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_create(actor=admin, values=form.values())
        except DomainError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Template %(name)s saved.") % {"name": template.name})
            return redirect("admin_payroll:templates")
    context = {"form": form, "templates": selectors.templates_for(viewer=admin)}
    return render(request, "payroll_cycles/admin/templates.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@admin_page
def template_edit(request: HttpRequest, admin: Membership, template_id: int) -> HttpResponse:
    template = _template_or_404(admin, template_id)
    form = TemplateForm(
        request.POST or None, organization=admin.organization, initial=TemplateForm.initial_of(template)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.template_update(actor=admin, template=template, values=form.values())
        except DomainError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Template %(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("admin_payroll:templates")
    context = {"form": form, "template": template}
    return render(
        request, "payroll_cycles/admin/template_edit.html", context, status=400 if form.errors else 200
    )


@require_POST
@admin_page
def template_delete(request: HttpRequest, admin: Membership, template_id: int) -> HttpResponse:
    template = _template_or_404(admin, template_id)
    try:
        services.template_delete(actor=admin, template=template)
    except DomainError as error:
        messages.error(request, labels.refusal_message(error))
        return redirect("admin_payroll:template-edit", template_id=template.pk)
    messages.success(request, _("Template %(name)s deleted.") % {"name": template.name})
    return redirect("admin_payroll:templates")
