"""A person in User Access: add one (an invitation), their page (details, roles, account, and what other
apps show of them through `register_member_panel`: attendance's month, leave balances and requests), and
the edit of their details. Thin views over the provisioning services; a refusal is shown on the form with
what was typed, nothing written."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.access import provisioning
from apps.access import roles as role_names
from apps.access.admin_center import admin_page
from apps.access.admin_center.messages import refusal_text
from apps.access.admin_center.registry import member_panels
from apps.access.models import Membership
from apps.access.provisioning.fields import LIMITS
from apps.access.selectors import manager_candidates, member_for_user_id
from apps.core.errors import DomainError
from apps.core.params import ascii_int

ROLE_LABELS = {
    role_names.EMPLOYEE: gettext_lazy("Employee"),
    role_names.APPROVER: gettext_lazy("Approver"),
    role_names.IMPORTER: gettext_lazy("Importer"),
    role_names.ADMIN: gettext_lazy("Administrator"),
}
ROLE_TEXTS = {
    role_names.EMPLOYEE: gettext_lazy("Clocks in and out, asks for leave and corrections."),
    role_names.APPROVER: gettext_lazy("Decides the requests of the people they manage."),
    role_names.IMPORTER: gettext_lazy("Imports attendance files in the Import Center."),
    role_names.ADMIN: gettext_lazy("Manages people, settings and the Admin Center."),
}
# The person's fields on the forms: (form name, label, input type, help).
FIELDS = (
    ("name", gettext_lazy("Display name"), "text", ""),
    ("email", gettext_lazy("E-mail"), "email", ""),
    ("employee_no", gettext_lazy("Employee no."), "text", ""),
    (
        "dingtalk_user_id",
        gettext_lazy("DingTalk UserId"),
        "text",
        gettext_lazy("The person's UserId in DingTalk; imported attendance is matched on it first."),
    ),
    ("department", gettext_lazy("Department"), "text", ""),
)


def member_or_404(admin: Membership, user_id) -> Membership:
    try:
        return member_for_user_id(organization=admin.organization, user_id=user_id)
    except DomainError as error:
        raise Http404(error.message) from error


def role_rows(held: set[str]) -> list[dict]:
    return [
        {"name": name, "label": str(ROLE_LABELS[name]), "text": ROLE_TEXTS[name], "held": name in held}
        for name in role_names.ROLE_NAMES
    ]


def current_values(member: Membership) -> dict:
    return {
        "name": member.display_name,
        "email": member.email,
        "employee_no": member.employee_no,
        "dingtalk_user_id": member.external_id,
        "department": member.department,
        "manager": str(member.manager_id or ""),
    }


def _form_context(admin: Membership, values: dict, errors: dict, *, member=None, extra=()) -> dict:
    fields = [
        {
            "name": name,
            "label": label,
            "type": kind,
            "help": help_text,
            "value": values.get(name, ""),
            "limit": LIMITS[name],
            "errors": errors.get(name, []),
            "required": name == "username",
        }
        for name, label, kind, help_text in (*extra, *FIELDS)
    ]
    chosen = values.get("manager", "")
    managers = [
        {"id": candidate.pk, "label": _label(candidate), "selected": str(candidate.pk) == chosen}
        for candidate in manager_candidates(organization=admin.organization, exclude=member)
    ]
    return {"fields": fields, "managers": managers, "manager_errors": errors.get("manager", [])}


def _label(member: Membership) -> str:
    parts = [member.name]
    if member.employee_no:
        parts.append(member.employee_no)
    return " · ".join(parts)


def _posted(request: HttpRequest, names) -> dict:
    return {name: request.POST.get(name, "") for name in names}


def _manager_value(raw: str):
    raw = raw.strip()
    return None if not raw else (ascii_int(raw) if ascii_int(raw) is not None else raw)


def _field_errors(error: DomainError) -> dict:
    fields = error.details.get("fields") or {}
    if not fields and error.details.get("field"):
        key = {"employeeNo": "employee_no", "dingtalkUserId": "dingtalk_user_id"}.get(
            error.details["field"], error.details["field"]
        )
        fields = {key: [error.message]}
    return {name: [str(message) for message in messages_] for name, messages_ in fields.items()}


# --- the person's page -------------------------------------------------------------------------------


def person_page(
    request: HttpRequest,
    admin: Membership,
    member: Membership,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    organization = admin.organization
    panels, stylesheets = [], []
    for panel in member_panels():
        html = render_to_string(
            panel.template, panel.context(member=member, request=request), request=request
        )
        panels.append({"key": panel.key, "html": html})
        stylesheets.extend(sheet for sheet in panel.stylesheets if sheet not in stylesheets)
    context = {
        "member": member,
        "member_email": member.email,
        "roles": role_rows(set(member.role_names)),
        "is_self": member.pk == admin.pk,
        "last_login": member.last_login,
        "org_tz": organization.tzinfo,
        "org_tz_name": organization.timezone,
        "panels": panels,
        "stylesheets": stylesheets,
        "error": error,
        **_form_context(admin, values or current_values(member), errors or {}, member=member),
    }
    return render(request, "admin_center/user_detail.html", context, status=status)


@require_POST
@admin_page
def user_edit(request: HttpRequest, admin: Membership, user_id: int) -> HttpResponse:
    member = member_or_404(admin, user_id)
    posted = _posted(request, [name for name, *_rest in FIELDS] + ["manager"])
    before = current_values(member)
    changed = {name: value for name, value in posted.items() if value.strip() != (before[name] or "").strip()}
    if not changed:
        messages.info(request, _("Nothing changed."))
        return redirect("admin_center:user", user_id=member.user_id)
    if "manager" in changed:
        changed["manager"] = _manager_value(changed["manager"])
    try:
        result = provisioning.member_update(
            organization=admin.organization, actor=admin, member=member, **changed
        )
    except DomainError as refused:
        return person_page(
            request,
            admin,
            member,
            values=posted,
            errors=_field_errors(refused),
            error=refusal_text(refused),
            status=refused.status_code,
        )
    messages.success(request, _("Saved.") if result.changes else _("Nothing changed."))
    return redirect("admin_center:user", user_id=member.user_id)


# --- adding a person ---------------------------------------------------------------------------------

NEW_FIELDS = (("username", gettext_lazy("User name"), "text", gettext_lazy("What they sign in with.")),)


@require_http_methods(["GET", "POST"])
@admin_page
def user_new(request: HttpRequest, admin: Membership) -> HttpResponse:
    names = ["username"] + [name for name, *_rest in FIELDS] + ["manager"]
    if request.method == "GET":
        return _new_page(request, admin, {}, {}, {role_names.EMPLOYEE}, invite=True)
    values = _posted(request, names)
    chosen = [name for name in request.POST.getlist("roles") if name in role_names.ROLE_NAMES]
    invite = bool(request.POST.get("invite"))
    try:
        result = provisioning.member_provision(
            organization=admin.organization,
            actor=admin,
            username=values["username"],
            email=values["email"],
            employee_no=values["employee_no"],
            dingtalk_user_id=values["dingtalk_user_id"],
            name=values["name"],
            department=values["department"],
            manager=_manager_value(values["manager"]),
            roles=chosen,
            invite=invite,
        )
    except DomainError as refused:
        return _new_page(
            request,
            admin,
            values,
            _field_errors(refused),
            set(chosen),
            invite=invite,
            error=refusal_text(refused),
            status=refused.status_code,
        )
    member = result.membership
    if result.status != "created":
        messages.info(
            request,
            _("%(name)s is already a member; their details were brought up to date.") % {"name": member.name},
        )
    elif result.invited:
        messages.success(request, _("%(name)s was added and invited by e-mail.") % {"name": member.name})
    else:
        messages.success(request, _("%(name)s was added.") % {"name": member.name})
    return redirect("admin_center:user", user_id=member.user_id)


def _new_page(request, admin, values, errors, held, *, invite, error="", status=200) -> HttpResponse:
    context = {
        **_form_context(admin, values, errors, extra=NEW_FIELDS),
        "roles": role_rows(held),
        "invite": invite,
        "error": error,
    }
    return render(request, "admin_center/user_new.html", context, status=status)
