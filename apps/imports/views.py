"""The Import Center page (`/import-center/`): a client of the import API, for importers and admins.

The server renders the shell: the template download, the first page of the batch history and the export
form, so the page is useful without JavaScript. `static/imports/import-center.js` adds the rest through
the public API (upload, preview, commit with progress, rollback, export). With htmx, the history pages
itself and reloads after a commit or a rollback (`HX-Target: batch-history` answers the table only).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from apps.access import roles
from apps.access.models import Membership
from apps.access.selectors import members_search
from apps.attendance.labels import RECORD_STATUS
from apps.imports.selectors import batches_for

HISTORY_PAGE_SIZE = 10
MEMBER_CHOICES = 50
HISTORY_TARGET = "batch-history"


# What the script says, translated here (the script itself holds no text of its own).
SCRIPT_TEXT = {
    "uploading": _("Uploading {name}…"),
    "uploaded": _("Uploaded {name} ({size})."),
    "checking": _("Checking every row…"),
    "checked": _("Checked {rows} rows."),
    "tooLarge": _("This file is larger than the limit of {size}."),
    "wrongType": _("Choose a .csv or .xlsx file."),
    "network": _("The connection failed. Check your network and try again."),
    "serverError": _("The server could not finish this (status {status}). Try again in a moment."),
    "committing": _("Importing…"),
    "committed": _("Batch #{id} imported."),
    "retry": _("Try again"),
    "rowsProgress": _("{processed} of {total} rows ({percent}%)"),
    "importValid": _("Import {count} valid rows"),
    "importValidOne": _("Import the 1 valid row"),
    "importAll": _("Import {count} rows"),
    "importAllOne": _("Import 1 row"),
    "importNothing": _("Nothing to import"),
    "errorsTruncated": _("Only the first errors are listed; the error file of the batch has them all."),
    "nothingToImport": _("No row of this file can be imported. Fix the errors and upload it again."),
    "rolledBack": _("Batch #{id} was rolled back."),
    "rollingBack": _("Rolling back…"),
    "exporting": _("Preparing the export…"),
    "exported": _("Export downloaded ({size})."),
    "badRange": _("The start date must not be after the end date."),
    "ignored": _("not used"),
    "moreRows": _("Showing the first {shown} of {total} rows."),
    "nextDay": _("next day"),
    "none": _("—"),
    "another": _("Import another file"),
    "chooseAnother": _("Choose another file"),
    "downloadErrors": _("Download the error file"),
    "rollbackTitle": _("Roll back batch #{id}?"),
    "rollbackBody": _(
        "{file}: the {created} records it created will be deleted and the {updated} it updated get their "
        "earlier values back."
    ),
    "rollBack": _("Roll back"),
    "recordDeleted": _("deleted since"),
    "recordChangedByBatch": _("changed since by batch #{id}"),
    "recordChangedByHand": _("changed since by a punch, a correction or an administrator"),
    "rowCounts": _("{errors} with errors · {warnings} to check · {ok} OK"),
    "result": {
        "created": _("new records"),
        "updated": _("updated"),
        "unchanged": _("unchanged"),
        "skipped": _("not imported"),
    },
    "formats": {
        "template": _("TimeLedger template"),
        "dingtalk_daily": _("DingTalk daily summary"),
        "custom": _("Columns matched by their headers"),
        "mapped": _("Columns mapped by you"),
    },
    "states": {
        "valid": _("OK"),
        "invalid": _("Error"),
        "duplicate": _("Duplicate"),
        "locked": _("Locked period"),
        "warning": _("To check"),
    },
    "actions": {"create": _("New"), "update": _("Update"), "unchanged": _("Unchanged")},
    "statuses": RECORD_STATUS,
    "unmatchedLines": _("Lines {lines}"),
    "unmatchedTruncated": _("Only the first 1,000 people are listed."),
    "fields": {
        "work_date": _("Work date"),
        "employee_no": _("Employee no."),
        "name": _("Name"),
        "user_id": _("DingTalk UserId"),
        "group": _("Attendance group"),
        "department": _("Department"),
        "shift": _("Shift"),
        "check_in": _("Check-in {n}"),
        "check_out": _("Check-out {n}"),
        "status": _("Result"),
        "note": _("Note"),
        "late_minutes": _("Minutes late"),
        "early_leave_minutes": _("Minutes left early"),
        "worked_minutes": _("Minutes worked"),
        "worked_hours": _("Hours worked"),
        "approval_text": _("Approvals"),
        "leave_hours": _("Hours of leave"),
        "leave_minutes": _("Minutes of leave"),
        "overtime_hours": _("Hours of overtime"),
        "overtime_minutes": _("Minutes of overtime"),
    },
}


def _resolved(value):
    if isinstance(value, dict):
        return {key: _resolved(item) for key, item in value.items()}
    return str(value)


def _script_text() -> dict:
    return _resolved(SCRIPT_TEXT)


def _importer(request: HttpRequest) -> Membership:
    """The caller's membership when its roles allow imports; anyone else gets the 403 page."""
    membership = request.membership
    if not membership or not membership.can(roles.IMPORT):
        raise PermissionDenied
    return membership


def _history_context(request: HttpRequest, member: Membership) -> dict:
    paginator = Paginator(batches_for(member=member), HISTORY_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return {"batches": page, "org_tz": member.organization.tzinfo}


def _member_choices(member: Membership, q: str = "") -> list:
    return list(
        members_search(organization=member.organization, q=q, active=True)
        .select_related(None)
        .prefetch_related(None)
        .select_related("user")
        .only(
            "employee_no",
            "display_name",
            "invitation_pending",
            "user__username",
            "user__first_name",
            "user__last_name",
        )[:MEMBER_CHOICES]
    )


def _api(name: str, **kwargs) -> str:
    return reverse(name, kwargs=kwargs or None)


@require_GET
@login_required
def center(request: HttpRequest) -> HttpResponse:
    member = _importer(request)
    if request.htmx and request.htmx.target == HISTORY_TARGET and not request.htmx.history_restore_request:
        response = render(request, "imports/_history.html", _history_context(request, member))
    else:
        today = timezone.localdate(timezone=member.organization.tzinfo)
        context = {
            "member": member,
            **_history_context(request, member),
            "members": _member_choices(member),
            "statuses": list(RECORD_STATUS.items()),
            "export_from": today.replace(day=1),
            "export_to": today,
            "max_bytes": settings.IMPORT_UPLOAD_MAX_BYTES,
            "endpoints": {
                "template": _api("import-template") + "?format=csv",
                "upload": _api("import-upload"),
                "preview": _api("import-preview"),
                "prepare": _api("import-prepare"),
                "commit": _api("import-commit"),
                # Ids are appended by the script: these end with a slash.
                "jobs": _api("import-job", job_id=0).removesuffix("0"),
                "batches": _api("import-batches") + "/",
                "export": _api("records-export"),
                "history": reverse("imports:center"),
            },
            "script_text": _script_text(),
            # Where the people a preview could not match are added or linked (admins only).
            "people_url": reverse("admin_center:users") if member.can(roles.ADMINISTER) else "",
        }
        response = render(request, "imports/center.html", context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@require_GET
@login_required
def member_options(request: HttpRequest) -> HttpResponse:
    """The export form's member choices matching `q` (name, user name or employee no.), as <option>s."""
    member = _importer(request)
    q = request.GET.get("q", "")[:100]
    return render(request, "imports/_member_options.html", {"members": _member_choices(member, q)})
