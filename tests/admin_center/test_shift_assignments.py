"""Admin Center → Settings → Shift assignments: assign a shift to one member on some weekdays between
dates (the schedule follows), end or remove an assignment, and every bad input refused with nothing written."""

from datetime import date, time

import pytest

from apps.access import roles
from apps.attendance import services
from apps.attendance.models import ShiftAssignment
from apps.audit.models import OperationLog

pytestmark = pytest.mark.django_db
URL = "/admin-center/settings/attendance/assignments/"


@pytest.fixture
def shifts(org, other_org):
    day = services.shift_create(organization=org, name="Day", start_time=time(9), end_time=time(18))
    services.policy_update(organization=org, default_shift=day)
    night = services.shift_create(organization=org, name="Night", start_time=time(22), end_time=time(6))
    theirs = services.shift_create(
        organization=other_org, name="Theirs", start_time=time(8), end_time=time(16)
    )
    return {"day": day, "night": night, "theirs": theirs}


@pytest.fixture
def emma(make_member):
    return make_member("emma", roles.EMPLOYEE, employee_no="E100")


def form(shift, **overrides) -> dict:
    return {
        "assign-member": "E100",
        "assign-shift": shift.pk,
        "assign-weekdays": ["1", "4"],  # Monday and Wednesday
        "assign-start_date": "2026-03-02",
        "assign-end_date": "",
        "assign-priority": "0",
        **overrides,
    }


def schedule(api_as, member, start: str, end: str) -> list:
    response = api_as(member).get("/api/attendance/schedule", {"from": start, "to": end})
    assert response.status_code == 200, response.json()
    return [(day["workDate"], day["shift"]["name"] if day["isWorkday"] else None) for day in response.json()]


def test_an_assignment_made_on_the_page_sets_the_members_schedule_once_however_often_it_is_sent(
    admin_client, shifts, emma, api_as
):
    assert schedule(api_as, emma, "2026-03-02", "2026-03-03") == [
        ("2026-03-02", "Day"),
        ("2026-03-03", "Day"),
    ]

    first = admin_client.post(URL, form(shifts["night"]))
    again = admin_client.post(URL, form(shifts["night"]))  # a double click, a retried request

    assert (first.status_code, again.status_code) == (302, 302)
    assert ShiftAssignment.objects.filter(member=emma).count() == 1
    assert OperationLog.objects.filter(action="attendance.shift_assignment.create").count() == 1
    assert schedule(api_as, emma, "2026-02-27", "2026-03-04") == [
        ("2026-02-27", "Day"),  # before the assignment: the default shift
        ("2026-02-28", None),
        ("2026-03-01", None),
        ("2026-03-02", "Night"),
        ("2026-03-03", None),  # an assignment's other weekdays are rest days
        ("2026-03-04", "Night"),
    ]
    page = admin_client.get(URL).content.decode()
    assert 'data-testid="assignment-row"' in page and "Night" in page and "Mon Wed" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"assign-member": "nobody"}, "No member of this organization has that user name, e-mail or number."),
        ({"assign-member": "emma-or-ed"}, "More than one member matches; use the user name."),
        ({"assign-weekdays": []}, "This field is required."),
        ({"assign-weekdays": ["3"]}, "Select a valid choice."),
        ({"assign-end_date": "2026-03-01"}, "The end date is before the start date."),
        ({"assign-start_date": "someday"}, "Enter a valid date."),
        ({"assign-priority": "1000"}, "Ensure this value is less than or equal to 100."),
    ],
)
def test_bad_assignments_show_why_and_write_nothing(
    admin_client, shifts, emma, make_member, overrides, message
):
    make_member("emma-or-ed", roles.EMPLOYEE)
    make_member("ed", roles.EMPLOYEE, employee_no="emma-or-ed")

    response = admin_client.post(URL, form(shifts["night"], **overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ShiftAssignment.objects.exists()
    assert not OperationLog.objects.filter(action__startswith="attendance.shift_assignment").exists()


def test_another_organizations_shift_or_member_cannot_be_assigned(
    admin_client, shifts, emma, make_member, other_org
):
    make_member("olga", roles.EMPLOYEE, organization=other_org, employee_no="E900")
    assert admin_client.post(URL, form(shifts["theirs"])).status_code == 400
    assert admin_client.post(URL, form(shifts["night"], **{"assign-member": "E900"})).status_code == 400
    assert not ShiftAssignment.objects.exists()


def test_ending_an_assignment_and_removing_one_that_has_not_started(
    admin, admin_client, shifts, emma, api_as
):
    running = services.shift_assignment_create(
        member=emma, shift=shifts["night"], start_date=date(2026, 3, 2)
    )
    future = services.shift_assignment_create(
        member=emma, shift=shifts["night"], start_date=date(2026, 6, 1), priority=5
    )

    ended = admin_client.post(f"{URL}{running.pk}/end/", {"last_day": "2026-03-31"}, follow=True)
    assert "The assignment now ends on 31 Mar 2026." in ended.content.decode()
    again = admin_client.post(f"{URL}{running.pk}/end/", {"last_day": "2026-03-31"}, follow=True)
    assert "The assignment already ends by then." in again.content.decode()
    removed = admin_client.post(f"{URL}{future.pk}/end/", {"last_day": "2026-05-31"}, follow=True)
    assert "The assignment had not started and was removed." in removed.content.decode()

    running.refresh_from_db()
    assert running.end_date == date(2026, 3, 31)
    assert not ShiftAssignment.objects.filter(pk=future.pk).exists()
    assert OperationLog.objects.filter(action="attendance.shift_assignment.end").count() == 1
    assert OperationLog.objects.filter(action="attendance.shift_assignment.remove").count() == 1
    assert schedule(api_as, emma, "2026-03-30", "2026-04-01") == [
        ("2026-03-30", "Night"),
        ("2026-03-31", "Night"),
        ("2026-04-01", "Day"),
    ]


def test_ending_refuses_a_bad_day_and_another_organizations_assignment(
    admin_client, shifts, emma, make_member, other_org
):
    mine = services.shift_assignment_create(member=emma, shift=shifts["night"])
    olga = make_member("olga", roles.EMPLOYEE, organization=other_org)
    theirs = services.shift_assignment_create(member=olga, shift=shifts["theirs"])

    bad_day = admin_client.post(f"{URL}{mine.pk}/end/", {"last_day": "31/03/2026"}, follow=True)
    assert "Choose the last day the assignment applies." in bad_day.content.decode()
    assert admin_client.post(f"{URL}{theirs.pk}/end/", {"last_day": "2026-03-31"}).status_code == 404
    assert ShiftAssignment.objects.filter(end_date__isnull=False).count() == 0


def test_the_list_searches_by_member_or_shift_and_only_admins_see_it(
    admin_client, shifts, emma, make_member, client_as
):
    wang = make_member("wang", roles.EMPLOYEE)
    services.shift_assignment_create(member=emma, shift=shifts["night"])
    services.shift_assignment_create(member=wang, shift=shifts["day"], weekdays=96)

    assert admin_client.get(URL, {"q": "wang"}).content.decode().count('data-testid="assignment-row"') == 1
    assert admin_client.get(URL, {"q": "Night"}).content.decode().count('data-testid="assignment-row"') == 1
    assert "Sat Sun" in admin_client.get(URL, {"q": "wang"}).content.decode()
    outsider = client_as(emma)
    assert outsider.get(URL).status_code == 403
    assert outsider.post(URL, form(shifts["night"])).status_code == 403
    assert ShiftAssignment.objects.count() == 2
