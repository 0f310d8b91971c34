"""Templates, cycles and generation through the API: contract names, bad input answered with a clear 4xx and
nothing written, retries that change nothing."""

import pytest

from apps.payroll_cycles.models import PayrollCycle, PayrollTemplate
from tests.attendance.conftest import client_for
from tests.payroll_cycles.conftest import CYCLES, TEMPLATES, admin_api, error_code

pytestmark = pytest.mark.django_db


def make_template(team, **fields):
    body = {
        "name": "Monthly 26-25",
        "startDay": 26,
        "endDay": 25,
        "endMonthOffset": 1,
        "isDefault": True,
        **fields,
    }
    response = admin_api(team).post(TEMPLATES, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def generate(team, **body):
    return admin_api(team).post(f"{CYCLES}/generate", body, format="json")


def ranges(body):
    return [(c["startDate"], c["endDate"]) for c in body["created"]]


def test_a_template_has_the_contract_fields_and_one_default(team):
    first = make_template(team)
    assert {
        k: first[k] for k in ("name", "startDay", "endDay", "endMonthOffset", "isDefault", "timezone")
    } == {
        "name": "Monthly 26-25",
        "startDay": 26,
        "endDay": 25,
        "endMonthOffset": 1,
        "isDefault": True,
        "timezone": "Asia/Shanghai",
    }
    second = make_template(team, name="Calendar month", startDay=1, endDay=31, endMonthOffset=0)
    assert PayrollTemplate.objects.get(pk=first["id"]).is_default is False
    assert PayrollTemplate.objects.get(pk=second["id"]).is_default is True
    listed = admin_api(team).get(TEMPLATES).json()
    assert [t["name"] for t in listed] == ["Calendar month", "Monthly 26-25"]
    updated = admin_api(team).put(f"{TEMPLATES}/{first['id']}", {"autoGenerate": True}, format="json")
    assert updated.status_code == 200 and updated.json()["autoGenerate"] is True
    assert admin_api(team).delete(f"{TEMPLATES}/{second['id']}").status_code == 204


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"startDay": 32}, "VALIDATION_ERROR"),
        ({"endDay": 0}, "VALIDATION_ERROR"),
        ({"endMonthOffset": 2}, "VALIDATION_ERROR"),
        ({"startDay": 1, "endDay": 31, "endMonthOffset": 1}, "PAYROLL_TEMPLATE_INVALID_DAY"),
        ({"kind": "weekly"}, "VALIDATION_ERROR"),
        ({"timezone": "Mars/Base"}, "VALIDATION_ERROR"),
    ],
)
def test_bad_templates_are_400_and_nothing_is_written(team, body, code):
    response = admin_api(team).post(TEMPLATES, {"name": "Bad", **body}, format="json")
    assert response.status_code == 400, response.json()
    assert error_code(response) == code
    assert not PayrollTemplate.objects.exists()


def test_template_names_are_unique_per_organization(team):
    make_template(team)
    again = admin_api(team).post(TEMPLATES, {"name": "Monthly 26-25"}, format="json")
    assert again.status_code == 409 and error_code(again) == "PAYROLL_TEMPLATE_NAME_TAKEN"
    assert PayrollTemplate.objects.count() == 1


def test_employees_cannot_write_templates_or_cycles(team):
    emma = client_for(team["emma"])
    assert emma.post(TEMPLATES, {"name": "Mine"}, format="json").status_code == 403
    assert (
        emma.post(CYCLES, {"startDate": "2026-03-01", "endDate": "2026-03-31"}, format="json").status_code
        == 403
    )
    assert not PayrollTemplate.objects.exists() and not PayrollCycle.objects.exists()


def test_26th_to_25th_an_anchor_before_the_26th_starts_last_month(team):
    template = make_template(team)
    body = generate(team, templateId=template["id"], anchorDate="2026-03-10", count=3).json()
    assert ranges(body) == [
        ("2026-02-26", "2026-03-25"),
        ("2026-03-26", "2026-04-25"),
        ("2026-04-26", "2026-05-25"),
    ]
    assert body["created"][0]["name"] == "Monthly 26-25 2026-02-26~2026-03-25"
    on_the_26th = generate(team, anchorDate="2026-03-26", count=1, namePrefix="Pay").json()
    assert on_the_26th["created"] == [] and on_the_26th["skipped"][0]["startDate"] == "2026-03-26"


def test_days_past_a_short_month_clamp_across_a_leap_year(team):
    template = make_template(team, name="31st", startDay=31, endDay=30, endMonthOffset=1)
    body = generate(team, templateId=template["id"], year=2028, month=1, count=3).json()
    # 2028 is a leap year: the February period starts on the 29th; no gaps, no overlaps.
    assert ranges(body) == [
        ("2028-01-31", "2028-02-28"),
        ("2028-02-29", "2028-03-30"),
        ("2028-03-31", "2028-04-29"),
    ]


def test_semi_monthly_weekly_and_biweekly_templates(team):
    semi = make_template(team, name="Semi", kind="semi_monthly", isDefault=False)
    body = generate(team, templateId=semi["id"], anchorDate="2027-02-20", count=3).json()
    assert ranges(body) == [
        ("2027-02-16", "2027-02-28"),
        ("2027-03-01", "2027-03-15"),
        ("2027-03-16", "2027-03-31"),
    ]
    weekly = make_template(team, name="Weekly", kind="weekly", anchorDate="2029-01-01", isDefault=False)
    body = generate(team, templateId=weekly["id"], anchorDate="2029-01-10", count=2).json()
    assert ranges(body) == [("2029-01-08", "2029-01-14"), ("2029-01-15", "2029-01-21")]
    biweekly = make_template(team, name="Biweekly", kind="biweekly", anchorDate="2030-01-07", isDefault=False)
    body = generate(team, templateId=biweekly["id"], anchorDate="2030-01-06", count=1).json()
    assert ranges(body) == [("2029-12-24", "2030-01-06")]


def test_an_overlapping_range_is_409_and_nothing_is_created(team, march):
    template = make_template(team)
    response = generate(team, templateId=template["id"], anchorDate="2026-01-30", count=3)
    assert response.status_code == 409 and error_code(response) == "CYCLE_OVERLAP"
    assert response.json()["error"]["details"]["cycleId"] == march["id"]
    assert PayrollCycle.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"anchorDate": "2026-03-10", "count": 37}, 400, "VALIDATION_ERROR"),
        ({"anchorDate": "2026-03-10", "count": 0}, 400, "VALIDATION_ERROR"),
        ({"count": 2}, 400, "VALIDATION_ERROR"),
        ({"anchorDate": "2026-03-32", "count": 1}, 400, "VALIDATION_ERROR"),
        ({"templateId": 999999, "anchorDate": "2026-03-10", "count": 1}, 404, "PAYROLL_TEMPLATE_NOT_FOUND"),
    ],
)
def test_bad_generate_requests_are_4xx_and_write_nothing(team, body, status, code):
    make_template(team)
    response = generate(team, **body)
    assert response.status_code == status, response.json()
    assert error_code(response) == code
    assert not PayrollCycle.objects.exists()


def test_generate_without_a_default_template_says_so(team):
    response = generate(team, anchorDate="2026-03-10", count=1)
    assert response.status_code == 400 and error_code(response) == "PAYROLL_TEMPLATE_REQUIRED"


def test_a_retried_generate_returns_the_first_answer(team):
    make_template(team)
    first = generate(team, anchorDate="2026-03-10", count=2, idempotencyKey="gen-1")
    again = generate(team, anchorDate="2026-03-10", count=2, idempotencyKey="gen-1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert PayrollCycle.objects.count() == 2
    other = generate(team, anchorDate="2026-05-10", count=1, idempotencyKey="gen-1")
    assert other.status_code == 409 and error_code(other) == "IDEMPOTENCY_KEY_REUSED"
    assert PayrollCycle.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"startDate": "2026-03-31", "endDate": "2026-03-01"}, "INVALID_DATE_RANGE"),
        ({"startDate": "2026-03-01", "endDate": "2026-03-32"}, "VALIDATION_ERROR"),
        ({"startDate": "2026-01-01", "endDate": "2026-06-30"}, "INVALID_DATE_RANGE"),
    ],
)
def test_bad_cycles_are_400(team, body, code):
    response = admin_api(team).post(CYCLES, body, format="json")
    assert response.status_code == 400 and error_code(response) == code
    assert not PayrollCycle.objects.exists()


def test_cycles_list_filters_and_pages(team):
    make_template(team)
    generate(team, anchorDate="2026-03-10", count=5)
    listed = (
        admin_api(team)
        .get(CYCLES, {"startDate": "2026-04-01", "endDate": "2026-05-31", "pageSize": 2})
        .json()
    )
    assert listed["count"] == 3 and len(listed["results"]) == 2
    assert admin_api(team).get(CYCLES, {"status": "locked"}).json()["count"] == 0
    assert admin_api(team).get(CYCLES, {"status": "nope"}).status_code == 400
    reversed_range = admin_api(team).get(CYCLES, {"startDate": "2026-05-01", "endDate": "2026-04-01"})
    assert reversed_range.status_code == 400 and error_code(reversed_range) == "INVALID_DATE_RANGE"


def test_another_organizations_cycle_is_404(team, march, make_member, other_org):
    from apps.access import roles

    outsider = make_member("otto", roles.ADMIN, organization=other_org)
    api = client_for(outsider)
    api.credentials(HTTP_X_ORGANIZATION="globex")
    for path in ("", "/summary", "/readiness", "/changes"):
        assert api.get(f"{CYCLES}/{march['id']}{path}").status_code == 404
    locked = api.post(f"{CYCLES}/{march['id']}/lock", {}, format="json")
    assert locked.status_code == 404 and error_code(locked) == "PAYROLL_CYCLE_NOT_FOUND"
    assert PayrollCycle.objects.get().status == "open"


def test_auto_generating_templates_keep_three_cycles_ahead(team):
    from io import StringIO

    from django.core.management import call_command

    make_template(team, autoGenerate=True)
    out = StringIO()
    call_command("payroll_cycles", "generate", "--today", "2026-03-10", stdout=out)
    assert "4 created" in out.getvalue()
    first = PayrollCycle.objects.order_by("start_date").first()
    assert first.start_date.isoformat() == "2026-02-26"
    call_command("payroll_cycles", "generate", "--today", "2026-03-10", stdout=out)
    assert PayrollCycle.objects.count() == 4
