"""The audit viewer tells what happened in sentences, in English and Chinese, with a filter by category
and a switch that hides sign-ins; every action the code records has its wording."""

import re
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from apps.access import roles
from apps.attendance import services
from apps.attendance.services.decisions import _rules
from apps.audit.services import audit_record
from apps.audit.wording import wording_for
from tests.attendance.conftest import at, calendar_2026, client_for, day_shift  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

APPS = Path(__file__).resolve().parents[2] / "apps"
# `action="x.y.z"`, `action = "x.y.z"` and `records_failures("x.y.z")`: how the code names what it records.
LITERAL = re.compile(
    r"(?:\baction\s*=\s*|records_failures\()\"((?:access|audit|attendance|imports|payroll|django_admin)\.[a-z_]+\.[a-z_]+)\""
)
NOW = at("2026-03-01 10:00")


def _recorded_actions() -> set[str]:
    """The action names written in the code, and those it builds: one per decision verb and request
    kind, one per payroll cycle move, one per Django admin verb."""
    found = {
        match for path in APPS.rglob("*.py") for match in LITERAL.findall(path.read_text(encoding="utf-8"))
    }
    found = {action for action in found if not action.startswith("attendance.overtime_")}
    nouns = {rules.noun for rules in _rules.values()}
    found |= {f"attendance.{noun}.{verb}" for noun in nouns for verb in ("approve", "reject", "cancel")}
    found |= {f"payroll.cycle.{move}" for move in ("lock", "unlock", "close", "reopen", "archive")}
    found |= {f"django_admin.{verb}" for verb in ("add", "change", "delete")}
    return found


def test_every_action_the_code_records_reads_as_a_sentence():
    missing = sorted(action for action in _recorded_actions() if wording_for(action) is None)
    assert not missing, "add a wording (the app's audit_wording.py) for: " + ", ".join(missing)


@pytest.fixture
def approved_leave(org, make_member, day_shift, calendar_2026):  # noqa: F811 (the imported fixtures)
    alan = make_member("alan", roles.APPROVER, display_name="Alan Approver")
    emma = make_member("emma", roles.EMPLOYEE, display_name="Emma Employee", manager=alan)
    services.leave_type_create(organization=org, code="annual", name="Annual leave", yearly_allowance=10)
    services.leave_accrue_year(organization=org, year=2026)
    with time_machine.travel(NOW, tick=False):
        created = client_for(emma).post(
            "/api/attendance/leave-requests",
            {"leaveType": "annual", "startDate": "2026-12-14", "endDate": "2026-12-15", "reason": "Trip"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="leave-1",
        )
        assert created.status_code == 201, created.content
        decided = client_for(alan).post(
            f"/api/attendance/leave-requests/{created.json()['id']}/approve", {"comment": ""}, format="json"
        )
        assert decided.status_code == 200, decided.content
    return alan, emma


def _audit_page(admin, language="en", **params):
    client = Client()
    client.force_login(admin.user)
    with translation.override(language):
        return client.get("/admin-center/audit/", params, HTTP_ACCEPT_LANGUAGE=language)


def test_a_decision_reads_as_who_did_what_to_whose_request(approved_leave, make_member):
    admin = make_member("ada", roles.ADMIN)
    response = _audit_page(admin)
    assert response.status_code == 200
    sentences = [entry.sentence for entry in response.context["entries"]]
    assert "Alan Approver approved Emma Employee's Annual leave, 14 Dec\u201315 Dec" in sentences
    assert "Emma Employee asked for leave: Emma Employee's Annual leave, 14 Dec\u201315 Dec" in sentences
    page = response.content.decode()
    assert "attendance.leave.approve" not in page and "attendance.leaverequest" not in page


def test_the_sentences_are_in_chinese_for_a_chinese_reader(approved_leave, make_member):
    admin = make_member("ada", roles.ADMIN)
    response = _audit_page(admin, "zh-hans")
    sentences = [entry.sentence for entry in response.context["entries"]]
    assert any(s.startswith("Alan Approver 批准了 Emma Employee 的 Annual leave") for s in sentences), (
        sentences
    )
    assert "12月14日" in " ".join(sentences)
    assert "申请" in response.content.decode()  # the category "Requests" (申请)


def test_the_category_filter_and_the_sign_in_switch(approved_leave, make_member):
    admin = make_member("ada", roles.ADMIN)
    audit_record(action="access.session.login", actor=admin)
    requests_only = _audit_page(admin, category="requests").context["entries"]
    assert {entry.action for entry in requests_only} == {
        "attendance.leave.create",
        "attendance.leave.approve",
    }
    everything = {entry.action for entry in _audit_page(admin).context["entries"]}
    assert "access.session.login" in everything
    without_signins = {entry.action for entry in _audit_page(admin, hide_signins="1").context["entries"]}
    assert without_signins == everything - {"access.session.login"}


def test_an_entry_whose_target_is_gone_reads_with_a_noun(org, make_member):
    admin = make_member("ada", roles.ADMIN, display_name="Ada Admin")
    audit_record(
        action="attendance.leave.cancel",
        actor=admin,
        target_type="attendance.leaverequest",
        target_id="999999",
    )
    entries = _audit_page(admin, hide_signins="1").context["entries"]
    [entry] = [entry for entry in entries if entry.action == "attendance.leave.cancel"]
    assert entry.sentence == "Ada Admin cancelled a leave request"
    assert entry.category_label == "Requests"
