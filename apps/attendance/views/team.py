"""The team pages for approvers (their reports) and admins (everyone, or one team or department):
`/attendance/team/` (Team today: who is in, late, not yet in, absent, on leave, with times) and
`/attendance/team/month/` (who is off when: approved and pending leave over a month)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from apps.access import roles
from apps.access.models import Membership
from apps.attendance import team
from apps.attendance.views import month as months
from apps.attendance.views._common import member_with

STATE_LABELS = {
    "late": _("Late"),
    "not_in": _("Not yet in"),
    "absent": _("Absent"),
    "in": _("In"),
    "leave": _("On leave"),
    "off": _("Not working today"),
}


class TeamFilterForm(forms.Form):
    """An admin's narrowing of the board: one manager's team, one department, or both."""

    team = forms.ChoiceField(label=_("Team"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)

    def __init__(self, data, *, managers: list[Membership], departments: list[str]):
        super().__init__(data)
        self.managers = {str(m.pk): m for m in managers}
        self.fields["team"].choices = [("", _("Everyone"))] + [
            (pk, _("%(name)s's team") % {"name": m.name}) for pk, m in self.managers.items()
        ]
        self.fields["department"].choices = [("", _("All departments"))] + [(d, d) for d in departments]

    @property
    def manager(self) -> Membership | None:
        return self.managers.get(self.cleaned_data.get("team") or "")


def _scope(request: HttpRequest, viewer: Membership):
    """The members the page shows, the admin's filter form (None for an approver) and the status."""
    if not viewer.can(roles.ADMINISTER):
        return team.team_members(viewer=viewer), None, 200
    form = TeamFilterForm(
        request.GET,
        managers=team.team_managers(viewer=viewer),
        departments=team.team_departments(viewer=viewer),
    )
    if not form.is_valid():
        return None, form, 400
    members = team.team_members(
        viewer=viewer, manager=form.manager, department=form.cleaned_data["department"]
    )
    return members, form, 200


def _filter_query(form: TeamFilterForm | None) -> str:
    if form is None or not form.is_valid():
        return ""
    pairs = [(k, form.cleaned_data[k]) for k in ("team", "department") if form.cleaned_data.get(k)]
    return urlencode(pairs)


@require_GET
@login_required
def team_today(request: HttpRequest) -> HttpResponse:
    viewer = member_with(request, roles.APPROVE)
    members, form, status = _scope(request, viewer)
    context = {"filter_form": form, "filter_query": _filter_query(form), "org_tz": viewer.organization.tzinfo}
    if members is not None:
        board = team.team_today(viewer=viewer, members=members)
        context.update(
            board=board,
            today=board.today,
            groups=[
                (state, STATE_LABELS[state], board.groups[state])
                for state in team.STATES
                if board.groups.get(state)
            ],
            tiles=[(state, STATE_LABELS[state], board.counts[state]) for state in team.STATES],
        )
    return render(request, "attendance/team_today.html", context, status=status)


@require_GET
@login_required
def team_month(request: HttpRequest) -> HttpResponse:
    viewer = member_with(request, roles.APPROVE)
    today = timezone.localdate(timezone.now(), viewer.organization.tzinfo)
    first = months.parse_month(request.GET.get("month", ""), today)
    end = months.month_end(first)
    members, form, status = _scope(request, viewer)
    query = _filter_query(form)
    context = {
        "filter_form": form,
        "filter_query": query,
        "month": first,
        "month_param": f"{first:%Y-%m}",
        "previous_month": f"{months.previous_month(first):%Y-%m}",
        "next_month": f"{months.next_month(first):%Y-%m}",
        "today": today,
        "days": [first.replace(day=n) for n in range(1, end.day + 1)],
        "org_tz": viewer.organization.tzinfo,
    }
    if members is not None:
        rows = team.team_month(viewer=viewer, members=members, first=first, end=end)
        context["rows"] = rows
        context["leave_list"] = sorted(
            ((row.member, request) for row in rows for request in row.leave),
            key=lambda pair: (pair[1].start_date, pair[0].name.casefold()),
        )
    return render(request, "attendance/team_month.html", context, status=status)
