"""The Admin Center's Payroll pages and the employee's pay-period card, through the Django test client:
templates, generating cycles, a cycle's readiness and moves, its summary, anomalies and changes. Refusals are
sentences, never codes; everything reads in Chinese too."""

import re
from datetime import date

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from apps.access import roles
from apps.attendance.models import Punch
from apps.audit.models import OperationLog
from apps.payroll_cycles.models import CycleTransition, PayrollCycle, PayrollTemplate, SettlementSnapshot
from tests.attendance.conftest import at, client_for
from tests.payroll_cycles.conftest import record

pytestmark = pytest.mark.django_db
BASE = "/admin-center/payroll/"
CODE = re.compile(r"\b[A-Z]{3,}_[A-Z_]{3,}\b")  # PERIOD_LOCKED, CYCLE_STATE_CONFLICT, ...


def browse(member, language: str = "en") -> Client:
    client = Client()
    client.force_login(member.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def text_of(response) -> str:
    content = response.content.decode()
    assert not CODE.search(content), CODE.search(content).group(0)
    return content


def flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def admin(team):
    return browse(team["admin"])


@pytest.fixture
def monthly(team):
    """26th to 25th, the default template."""
    return PayrollTemplate.objects.create(
        organization=team["admin"].organization,
        name="Monthly",
        timezone="Asia/Shanghai",
        start_day=26,
        end_day=25,
        is_default=True,
    )


def template_form(**values) -> dict:
    return {
        "name": "Monthly",
        "kind": "monthly",
        "start_day": 1,
        "end_day": 31,
        "end_month_offset": 0,
        "timezone": "Asia/Shanghai",
        **values,
    }


def generate(client, template, anchor="2026-03-10", count=3, key="g1"):
    return client.post(
        f"{BASE}generate/",
        {"template": template.pk, "anchor_date": anchor, "count": count, "idempotency_key": key},
        follow=True,
    )


def move(client, cycle, action, reason="", key=""):
    return client.post(
        f"{BASE}cycles/{cycle.pk}/{action}/", {"reason": reason, "idempotency_key": key}, follow=True
    )


# --- who gets in ----------------------------------------------------------------------------------------


def test_the_payroll_tab_is_for_admins(team, admin):
    home = text_of(admin.get("/admin-center/"))
    assert 'data-testid="section-payroll"' in home and 'href="/admin-center/payroll/"' in home
    assert admin.get(BASE).status_code == 200
    assert browse(team["emma"]).get(BASE).status_code == 403
    assert browse(team["approver"]).post(f"{BASE}generate/", {}).status_code == 403
    assert PayrollCycle.objects.count() == 0


# --- templates ----------------------------------------------------------------------------------------


def test_an_admin_adds_changes_and_deletes_a_template(team, admin):
    saved = admin.post(
        f"{BASE}templates/", template_form(start_day=26, end_day=25, is_default="on"), follow=True
    )
    assert flash(saved) == ["Template Monthly saved."]
    template = PayrollTemplate.objects.get()
    assert (template.start_day, template.end_day, template.is_default) == (26, 25, True)
    listing = text_of(saved)
    assert "Day 26 to day 25 of the next month" in listing and "default" in listing

    edited = admin.post(
        f"{BASE}templates/{template.pk}/", template_form(name="Month end", start_day=1), follow=True
    )
    assert flash(edited) == ["Template Month end saved."]
    template.refresh_from_db()
    assert (template.name, template.start_day, template.end_day) == ("Month end", 1, 31)

    deleted = admin.post(f"{BASE}templates/{template.pk}/delete/", follow=True)
    assert flash(deleted) == ["Template Month end deleted."]
    assert not PayrollTemplate.objects.exists()


def test_a_bad_template_is_explained_on_its_field_and_nothing_is_saved(team, admin, monthly):
    # Ending next month on a day after the start day; a 32nd; a weekly one without a start date; a taken name.
    cases = [
        (
            template_form(name="Bad", start_day=10, end_day=20, end_month_offset=1),
            "must end before its start",
        ),
        (template_form(name="Bad", end_day=32), "less than or equal to 31"),
        (template_form(name="Bad", kind="weekly"), "Weekly periods need the date one of them starts on."),
        (template_form(name="Monthly"), "Another template of this organization has this name."),
    ]
    for form, sentence in cases:
        response = admin.post(f"{BASE}templates/", form)
        assert response.status_code == 400, form
        assert sentence in text_of(response), form
    assert list(PayrollTemplate.objects.values_list("name", flat=True)) == ["Monthly"]


def test_a_template_that_cut_a_closed_cycle_cannot_be_deleted(team, admin, monthly):
    generate(admin, monthly, count=1)
    move(admin, PayrollCycle.objects.get(), "close")
    refused = admin.post(f"{BASE}templates/{monthly.pk}/delete/", follow=True)
    assert flash(refused) == ["Closed cycles were cut by this template; it cannot be deleted."]
    assert PayrollTemplate.objects.exists()


# --- cycles ---------------------------------------------------------------------------------------------


def test_generating_cycles_creates_them_once_and_lists_them(team, admin, monthly):
    first = generate(admin, monthly, anchor="2026-03-10", count=3)
    assert flash(first) == ["3 cycles created."]
    rows = text_of(first)
    assert rows.count('data-testid="cycle-row"') == 3
    assert "26 Feb 2026 \u2013 25 Mar 2026" in rows
    # The same form sent again replays; a new one over the same range skips them.
    assert flash(generate(admin, monthly, anchor="2026-03-10", count=3)) == ["3 cycles created."]
    again = generate(admin, monthly, anchor="2026-03-10", count=4, key="g2")
    assert flash(again) == ["1 cycle created. 3 were there already."]
    assert PayrollCycle.objects.count() == 4


def test_generating_over_an_overlapping_cycle_is_explained_and_creates_nothing(team, admin, monthly):
    admin.post(f"{BASE}cycles/new/", {"name": "Odd", "start_date": "2026-03-01", "end_date": "2026-03-31"})
    response = generate(admin, monthly, anchor="2026-03-10", count=2)
    assert response.status_code == 400
    page = text_of(response)
    assert "overlaps the cycle Odd (1 Mar 2026 to 31 Mar 2026)" in page
    assert PayrollCycle.objects.count() == 1
    too_many = generate(admin, monthly, count=37, key="g3")
    assert "Ensure this value is less than or equal to 36." in text_of(too_many)
    reversed_range = admin.post(f"{BASE}cycles/new/", {"start_date": "2026-05-10", "end_date": "2026-05-01"})
    assert "The last day is before the first day." in text_of(reversed_range)
    assert PayrollCycle.objects.count() == 1


def test_the_list_filters_by_status(team, admin, monthly):
    generate(admin, monthly, count=3)
    move(admin, PayrollCycle.objects.order_by("start_date").first(), "lock")
    locked = text_of(admin.get(BASE, {"status": "locked"}))
    assert locked.count('data-testid="cycle-row"') == 1 and 'data-status="locked"' in locked
    assert text_of(admin.get(BASE, {"status": "archived"})).count('data-testid="cycle-row"') == 0
    assert "No cycles with this status." in text_of(admin.get(BASE, {"status": "archived"}))
    assert text_of(admin.get(BASE, {"status": "nonsense"})).count('data-testid="cycle-row"') == 3


# --- one cycle: readiness, moves, changes ---------------------------------------------------------------


@pytest.fixture
def march(team, admin):
    made = {"name": "March", "start_date": "2026-03-01", "end_date": "2026-03-31"}
    assert flash(admin.post(f"{BASE}cycles/new/", made, follow=True)) == ["Cycle March created."]
    return PayrollCycle.objects.get()


def test_readiness_shows_what_is_unsettled_before_lock_and_close(team, admin, march):
    record(team["emma"], "2026-03-02")
    record(team["emma"], "2026-03-03", "late", start="09:30", late=30)
    record(team["emma"], "2026-03-04", "absent", start="", end="")
    record(team["wang"], "2026-03-02")
    asked = client_for(team["emma"]).post(
        "/api/attendance/adjustments",
        {
            "kind": "missed_check_out",
            "workDate": "2026-03-04",
            "requestedOutAt": "2026-03-04T18:00:00+08:00",
            "reason": "forgot",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="a1",
    )
    assert asked.status_code == 201, asked.json()
    page = text_of(admin.get(f"{BASE}cycles/{march.pk}/"))
    assert "1: adjustments 1" in page.split('data-testid="ready-pending">')[1].split("</dd>")[0]
    assert 'data-ready="no"' in page and "Some things are not settled yet." in page
    anomalies = page.split('data-testid="ready-anomalies">')[1].split("</dd>")[0]
    assert ">1</a>" in anomalies and "Late 1" in anomalies  # the absence has a request waiting
    without = page.split('data-testid="ready-without">')[1].split("</dd>")[0]
    assert without.startswith("3")  # the approver, the outsider and the admin have no records
    assert 'data-testid="lock"' in page and 'data-testid="close"' in page
    assert "Lock anyway?" in page


def test_lock_unlock_close_reopen_and_archive_from_the_cycle_page(team, admin, march):
    locked = move(admin, march, "lock", key="l1")
    assert flash(locked) == ["March is locked: attendance on its days can no longer change."]
    assert 'data-status="locked"' in text_of(locked) and 'data-testid="unlock-reason"' in text_of(locked)
    # The same form sent twice replays the answer; another lock is refused in words.
    assert flash(move(admin, march, "lock", key="l1")) == [
        "March is locked: attendance on its days can no longer change."
    ]
    twice = move(admin, march, "lock", key="l2")
    assert flash(twice) == ["This cycle is locked: it cannot be locked now."]
    refused = move(admin, march, "unlock")
    assert flash(refused) == ["Say why: a reason is required to unlock or reopen a cycle."]
    assert flash(move(admin, march, "unlock", reason="wrong month")) == ["March is open again."]
    closed = move(admin, march, "close")
    assert flash(closed) == ["March is closed. Its figures were saved as settlement version 1."]
    assert 'data-testid="reopen-reason"' in text_of(closed) and 'data-testid="readiness"' not in text_of(
        closed
    )
    assert flash(move(admin, march, "reopen", reason=" ")) == [
        "Say why: a reason is required to unlock or reopen a cycle."
    ]
    assert PayrollCycle.objects.get().status == "closed"
    assert flash(move(admin, march, "archive")) == ["March is archived."]
    history = text_of(admin.get(f"{BASE}cycles/{march.pk}/"))
    assert history.count('data-testid="history-row"') == 4 and "wrong month" in history
    assert "This cycle is archived: it can no longer change." in history
    assert move(admin, march, "explode").status_code == 404


def test_a_cycle_of_another_organization_is_not_found(team, admin, make_member):
    from tests.factories import OrganizationFactory

    other = make_member("zed", roles.ADMIN, organization=OrganizationFactory(slug="other"))
    browse(other).post(f"{BASE}cycles/new/", {"start_date": "2026-03-01", "end_date": "2026-03-31"})
    theirs = PayrollCycle.objects.get()
    for path in ("", "summary/", "anomalies/", "changes/"):
        assert admin.get(f"{BASE}cycles/{theirs.pk}/{path}").status_code == 404
    assert admin.post(f"{BASE}cycles/{theirs.pk}/lock/").status_code == 404
    assert PayrollCycle.objects.get().status == "open"


def test_closing_again_after_a_reopen_lists_what_changed_and_why(team, admin, march):
    emma = team["emma"]
    day = record(emma, "2026-03-02", worked=480)
    move(admin, march, "close")
    assert "there is no earlier settlement" in text_of(admin.get(f"{BASE}cycles/{march.pk}/changes/"))
    move(admin, march, "reopen", reason="Emma's overtime was missed")
    day.worked_minutes, day.last_out_at = 600, at("2026-03-02 20:00")
    day.save()
    OperationLog.objects.filter(action="payroll.cycle.reopen").update(details={"member": emma.pk})
    while_open = text_of(admin.get(f"{BASE}cycles/{march.pk}/changes/"))
    assert "compared with the figures now" in while_open
    move(admin, march, "close")
    assert SettlementSnapshot.objects.filter(version=2).exists()
    page = text_of(admin.get(f"{BASE}cycles/{march.pk}/changes/"))
    assert "Settlement version 1 compared with version 2." in page
    assert "Emma&#x27;s overtime was missed" in page
    member = page.split('data-member="emma"')[1].split("</article>")[0]
    worked = next(row for row in member.split('data-testid="change-row"')[1:] if "<td>Worked</td>" in row)
    assert "8:00" in worked and "10:00" in worked
    assert "payroll.cycle" not in page and "worked_minutes" not in page


# --- summary and anomalies ------------------------------------------------------------------------------


def test_the_summary_sorts_pages_and_links_its_export(team, admin, march, monkeypatch):
    from apps.payroll_cycles.admin_pages import cycle_pages

    record(team["emma"], "2026-03-02", worked=480)
    record(team["wang"], "2026-03-02", worked=600)
    record(team["wang"], "2026-03-03", worked=540)
    monkeypatch.setattr(cycle_pages, "SUMMARY_PAGE", 2)
    url = f"{BASE}cycles/{march.pk}/summary/"
    by_worked = text_of(admin.get(url, {"sort": "-worked"}))
    assert re.findall(r'data-member="(\w+)"', by_worked) == ["wang", "emma"]
    assert 'aria-sort="descending"' in by_worked and "19:00" in by_worked
    assert 'href="?sort=-worked&amp;page=2"' in by_worked
    second = text_of(admin.get(url, {"sort": "-worked", "page": 2}))
    assert len(re.findall(r'data-member="(\w+)"', second)) == 2
    ascending = text_of(admin.get(url, {"sort": "worked"}))
    assert 'aria-sort="ascending"' in ascending
    unsorted = text_of(admin.get(url, {"sort": "bogus"}))
    assert "aria-sort" not in unsorted
    export = re.search(r'href="([^"]+export\.csv[^"]*)"', by_worked).group(1).replace("&amp;", "&")
    csv = admin.get(export)
    assert csv.status_code == 200 and b"wang" in b"".join(csv.streaming_content)


def test_the_anomalies_of_a_cycle_link_to_the_person(team, admin, march):
    record(team["emma"], "2026-03-03", "partial", end="")
    record(team["wang"], "2026-03-04", "absent", start="", end="")
    record(team["wang"], "2026-04-04", "absent", start="", end="")  # another month
    page = text_of(admin.get(f"{BASE}cycles/{march.pk}/anomalies/"))
    assert page.count('data-testid="anomaly-row"') == 2
    assert f'href="/admin-center/users/{team["emma"].user_id}/"' in page
    assert "No check-out" in page and "Missed check-out request" in page and "Leave request" in page
    owed = text_of(admin.get(f"{BASE}cycles/{march.pk}/anomalies/", {"filter": "owed_punch"}))
    assert owed.count('data-testid="anomaly-row"') == 1


# --- the employee's card --------------------------------------------------------------------------------


def test_the_employee_sees_this_cycles_hours_and_a_locked_period_refuses_a_punch(team, admin, march):
    emma = team["emma"]
    record(emma, "2026-03-02", worked=600)
    employee = browse(emma)
    with time_machine.travel(at("2026-03-10 09:00"), tick=False):
        page = text_of(employee.get("/attendance/"))
        card = page.split('data-testid="payroll-cycle-card"')[1].split("</section>")[0]
        assert "1 Mar 2026 \u2013 31 Mar 2026" in card and ">10.00 h<" in card
        move(admin, march, "lock")
        refused = employee.post(
            "/attendance/punch/", {"kind": Punch.Kind.IN, "idempotency_key": "p1"}, follow=True
        )
    assert flash(refused) == ["This date is in a locked period; attendance for it can no longer change."]
    assert 'data-testid="payroll-cycle-locked"' in text_of(refused)
    assert not Punch.objects.exists()
    with time_machine.travel(at("2026-04-10 09:00"), tick=False):
        assert 'data-testid="payroll-cycle-card"' not in employee.get("/attendance/").content.decode()


def test_the_card_fetches_itself_again_with_htmx(team, march):
    employee = browse(team["emma"])
    with time_machine.travel(at("2026-03-10 09:00"), tick=False):
        fragment = employee.get("/attendance/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="payroll-cycle")
    body = fragment.content.decode()
    assert body.strip().startswith('<section id="payroll-cycle"') and "<html" not in body


# --- Chinese ------------------------------------------------------------------------------------------


def test_the_payroll_pages_read_in_chinese(team, monthly, march):
    admin = browse(team["admin"], "zh-hans")
    record(team["emma"], "2026-03-03", "partial", end="")
    admin.post(f"{BASE}cycles/{march.pk}/lock/", {"idempotency_key": "z1"})
    for path in ("", "templates/", f"cycles/{march.pk}/", f"cycles/{march.pk}/summary/"):
        page = text_of(admin.get(f"{BASE}{path}"))
        assert '<html lang="zh-hans">' in page
        for english in ("Payroll cycles", "Generate cycles", "Before you lock", "Download CSV", "Templates"):
            assert f">{english}<" not in page, (path, english)
    assert "薪资" in text_of(admin.get(BASE))
    refused = admin.post(f"{BASE}cycles/{march.pk}/lock/", {"idempotency_key": "z2"}, follow=True)
    assert flash(refused) and all("locked" not in m for m in flash(refused))
    assert CycleTransition.objects.count() == 1
    assert date(2026, 3, 1) == PayrollCycle.objects.get().start_date


# --- the demo -----------------------------------------------------------------------------------------


def test_the_demo_has_a_template_and_three_open_cycles_around_today():
    from io import StringIO

    from django.core.management import call_command

    from apps.access.models import Membership

    call_command("demo_seed", stdout=StringIO())
    call_command("demo_seed", stdout=StringIO())  # again: nothing twice
    assert list(PayrollTemplate.objects.values_list("name", "is_default")) == [("Monthly", True)]
    cycles = list(PayrollCycle.objects.order_by("start_date"))
    assert [c.status for c in cycles] == ["open"] * 3
    employee = Membership.objects.select_related("organization").get(user__username="employee")
    today = timezone.localdate(timezone.now(), employee.organization.tzinfo)
    assert cycles[1].start_date <= today <= cycles[1].end_date
    page = browse(employee).get("/attendance/").content.decode()
    assert 'data-testid="payroll-cycle-card"' in page


def test_ticked_anomalies_are_settled_in_one_go_and_refusals_are_sentences(team, admin, march):
    from apps.attendance import services as attendance

    org = team["admin"].organization
    attendance.leave_type_create(organization=org, code="annual", name="Annual leave", yearly_allowance=10)
    attendance.leave_accrue_year(organization=org, year=2026)
    missed = record(team["emma"], "2026-03-03", "partial", end="")
    absent = record(team["wang"], "2026-03-04", "absent", start="", end="")
    late = record(team["wang"], "2026-03-05", "late", start="09:30", late=30)
    url = f"{BASE}cycles/{march.pk}/anomalies/"
    page = text_of(admin.get(url))
    assert page.count('data-testid="settle-pick"') == 3 and 'data-testid="settle-form"' in page

    asked = admin.post(f"{url}settle/", {"record": [late.pk], "idempotency_key": "s1"}, follow=True)
    assert flash(asked) == ["1 request sent to the approver."]
    settled = admin.post(
        f"{url}settle/",
        {
            "record": [missed.pk, absent.pk, late.pk],
            "leave_type": "annual",
            "approve": "on",
            "idempotency_key": "s2",
        },
        follow=True,
    )
    assert flash(settled) == [
        "2 days settled: their requests are approved.",
        "Wang, 2026-03-05: a request for this day is already waiting for a decision.",
    ]
    after = text_of(settled)
    assert after.count('data-testid="anomaly-row"') == 1 and 'data-state="pending"' in after
    nothing = admin.post(f"{url}settle/", {"idempotency_key": "s3"}, follow=True)
    assert flash(nothing) == ["Tick the days to settle first."]
    admin.post(f"{BASE}cycles/{march.pk}/lock/", {"idempotency_key": "l9"})
    assert 'data-testid="settle-form"' not in text_of(admin.get(url))
