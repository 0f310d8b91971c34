"""/attendance/approvals/: the team's pending requests, approve / reject with a comment, bulk approve."""

import pytest

from apps.access import roles
from apps.attendance import services
from apps.attendance.models import AdjustmentRequest, DailyRecord, LeaveRequest
from apps.audit.models import OperationLog
from tests.attendance.conftest import at
from tests.attendance_pages.conftest import post

pytestmark = pytest.mark.django_db

INBOX = "/attendance/approvals/"
BULK = "/attendance/approvals/bulk-approve/"


def decide_url(kind: str, pk: int, verb: str) -> str:
    return f"/attendance/approvals/{kind}/{pk}/{verb}/"


def missed_out(member, day: str = "2026-03-03", reason: str = "Forgot"):
    return services.adjustment_request_create(
        member=member,
        kind="missed_check_out",
        work_date=at(f"{day} 00:00").date(),
        requested_out_at=at(f"{day} 18:05"),
        reason=reason,
    ).obj


def leave(member, start: str = "2026-03-09", end: str = "2026-03-10"):
    return services.leave_request_create(
        member=member,
        leave_type="annual",
        start_date=at(f"{start} 00:00").date(),
        end_date=at(f"{end} 00:00").date(),
        reason="Trip",
    ).obj


def test_the_approver_sees_the_pending_requests_of_the_team_only(signed_in, team, leave_types):
    emmas = missed_out(team["emma"], reason="Emma forgot")
    wangs = leave(team["wang"])
    missed_out(team["olga"], reason="Olga is not in the team")
    decided = missed_out(team["wang"], day="2026-03-02", reason="Already decided")
    services.adjustment_request_reject(request=decided, approver=team["approver"], comment="No")

    response = signed_in(team["approver"]).get(INBOX)

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Approvals</h1>" in page
    assert f'data-testid="row-adjustment-{emmas.pk}"' in page and "Emma forgot" in page
    assert f'data-testid="row-leave-{wangs.pk}"' in page and "Annual leave" in page
    assert "Olga is not in the team" not in page and "Already decided" not in page


def test_an_empty_inbox_says_so(signed_in, team):
    page = signed_in(team["approver"]).get(INBOX).content.decode()

    assert "No request of your team is waiting for a decision." in page


@pytest.mark.parametrize("who", ["emma", "olga"])
def test_members_without_the_approve_permission_get_the_403_page(signed_in, team, who):
    client = signed_in(team[who])
    request = missed_out(team["wang"])

    assert client.get(INBOX).status_code == 403
    assert post(client, decide_url("adjustment", request.pk, "approve")).status_code == 403
    assert post(client, BULK, {"bulk-adjustment": [request.pk]}).status_code == 403
    request.refresh_from_db()
    assert request.status == "pending"


def test_the_inbox_query_count_does_not_grow_with_the_requests(
    signed_in, org, team, leave_types, make_member, django_assert_max_num_queries
):
    members = [make_member(f"member{n}", roles.EMPLOYEE, manager=team["approver"]) for n in range(6)]
    services.leave_accrue_year(organization=org, year=2026)
    for member in members:
        missed_out(member)
        leave(member)
    client = signed_in(team["approver"])

    # 14: with the context next to the requests (balances, teammates off, the days' punches: three
    # queries whatever the number of rows; tests/attendance_pages/test_decision_context.py).
    with django_assert_max_num_queries(14):
        response = client.get(INBOX)
    assert response.content.decode().count('data-testid="row-') == 12


def test_approving_with_htmx_removes_the_row_and_applies_the_adjustment(signed_in, team):
    services.punch_create(member=team["emma"], kind="in", source="admin", occurred_at=at("2026-03-03 08:58"))
    request = missed_out(team["emma"])

    response = post(
        signed_in(team["approver"]),
        decide_url("adjustment", request.pk, "approve"),
        {f"adjustment-{request.pk}-comment": "OK"},
        htmx=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "<tr" not in page  # the row is swapped for nothing
    assert 'hx-swap-oob="true"' in page and "Approved the request of Emma." in page
    request.refresh_from_db()
    assert (request.status, request.decision_comment, request.decided_by) == (
        "approved",
        "OK",
        team["approver"],
    )
    record = DailyRecord.objects.get(member=team["emma"], work_date=request.work_date)
    assert record.status == "adjusted"


def test_approving_without_javascript_redirects_with_a_message(signed_in, team):
    request = missed_out(team["emma"])
    client = signed_in(team["approver"])

    response = post(client, decide_url("adjustment", request.pk, "approve"))

    assert response.status_code == 302 and response["Location"] == INBOX
    assert "Approved the request of Emma." in client.get(INBOX).content.decode()


def test_rejecting_needs_a_comment_and_shows_the_message_in_the_row(signed_in, team):
    request = missed_out(team["emma"])

    response = post(signed_in(team["approver"]), decide_url("adjustment", request.pk, "reject"), htmx=True)

    assert response.status_code == 400
    page = response.content.decode()
    assert page.lstrip().startswith(f'<tr id="row-adjustment-{request.pk}"')
    assert "comment is required." in page
    request.refresh_from_db()
    assert request.status == "pending"


def test_rejecting_with_a_comment_records_it(signed_in, team, leave_types):
    request = leave(team["wang"])

    response = post(
        signed_in(team["approver"]),
        decide_url("leave", request.pk, "reject"),
        {f"leave-{request.pk}-comment": "Busy week"},
        htmx=True,
    )

    assert response.status_code == 200
    request.refresh_from_db()
    assert (request.status, request.decision_comment) == ("rejected", "Busy week")


def test_deciding_an_already_decided_request_shows_409_in_the_row(signed_in, team):
    request = missed_out(team["emma"])
    client = signed_in(team["approver"])
    post(client, decide_url("adjustment", request.pk, "approve"), htmx=True)
    before = OperationLog.objects.filter(action="attendance.adjustment.approve").count()

    response = post(
        client,
        decide_url("adjustment", request.pk, "reject"),
        {f"adjustment-{request.pk}-comment": "No"},
        htmx=True,
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "This request is already approved." in page
    assert "Approved" in page and 'data-testid="approve"' not in page
    request.refresh_from_db()
    assert request.status == "approved"
    assert OperationLog.objects.filter(action="attendance.adjustment.approve").count() == before


def test_a_decided_request_posted_without_javascript_redirects_with_the_409_message(signed_in, team):
    request = missed_out(team["emma"])
    client = signed_in(team["approver"])
    post(client, decide_url("adjustment", request.pk, "approve"))

    response = post(client, decide_url("adjustment", request.pk, "approve"))

    assert response.status_code == 302
    assert "This request is already approved." in client.get(INBOX).content.decode()


def test_another_organizations_or_teams_request_is_404_and_unchanged(signed_in, team, make_member, other_org):
    outsider = missed_out(team["olga"])
    foreign_boss = make_member("fritz", roles.APPROVER, organization=other_org)
    foreign = make_member("franz", roles.EMPLOYEE, organization=other_org, manager=foreign_boss)
    foreign_request = missed_out(foreign)

    client = signed_in(team["approver"])
    assert post(client, decide_url("adjustment", outsider.pk, "approve"), htmx=True).status_code == 404
    assert post(client, decide_url("adjustment", foreign_request.pk, "approve")).status_code == 404
    assert post(client, decide_url("leave", 999999, "reject")).status_code == 404
    assert set(AdjustmentRequest.objects.values_list("status", flat=True)) == {"pending"}


def test_a_comment_that_is_too_long_is_refused(signed_in, team):
    request = missed_out(team["emma"])

    response = post(
        signed_in(team["approver"]),
        decide_url("adjustment", request.pk, "approve"),
        {f"adjustment-{request.pk}-comment": "x" * 501},
        htmx=True,
    )

    assert response.status_code == 400
    assert "Ensure this value has at most 500 characters" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "pending"


def test_bulk_approve_decides_the_selected_and_reports_the_others(signed_in, team, leave_types):
    first = missed_out(team["emma"])
    second = leave(team["wang"])
    untouched = missed_out(team["wang"], day="2026-03-02")
    outsider = missed_out(team["olga"])

    response = post(
        signed_in(team["approver"]),
        BULK,
        {"bulk-adjustment": [first.pk, outsider.pk], "bulk-leave": [second.pk], "bulk-comment": "Fine"},
        htmx=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Approved 2 requests." in page
    assert f"Request {outsider.pk}: Only the member" in page
    assert f'data-testid="row-adjustment-{first.pk}"' not in page
    assert f'data-testid="row-adjustment-{untouched.pk}"' in page
    assert AdjustmentRequest.objects.get(pk=first.pk).status == "approved"
    assert LeaveRequest.objects.get(pk=second.pk).decision_comment == "Fine"
    assert AdjustmentRequest.objects.get(pk=outsider.pk).status == "pending"
    assert AdjustmentRequest.objects.get(pk=untouched.pk).status == "pending"


def test_bulk_approving_twice_approves_once(signed_in, team):
    request = missed_out(team["emma"])
    client = signed_in(team["approver"])
    post(client, BULK, {"bulk-adjustment": [request.pk]}, htmx=True)

    response = post(client, BULK, {"bulk-adjustment": [request.pk]}, htmx=True)

    assert "This request is already approved." in response.content.decode()
    assert OperationLog.objects.filter(action="attendance.adjustment.approve", result="ok").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select at least one request to approve."),
        ({"bulk-adjustment": ["abc"]}, "Select requests from the list."),
        ({"bulk-leave": ["-3"]}, "Select requests from the list."),
    ],
)
def test_a_bad_bulk_form_is_400_and_approves_nothing(signed_in, team, data, message):
    request = missed_out(team["emma"])

    response = post(signed_in(team["approver"]), BULK, data, htmx=True)

    assert response.status_code == 400
    assert message in response.content.decode()
    request.refresh_from_db()
    assert request.status == "pending"


def test_bulk_approve_without_javascript_redirects_with_the_results(signed_in, team):
    request = missed_out(team["emma"])
    client = signed_in(team["approver"])

    response = post(client, BULK, {"bulk-adjustment": [request.pk]})

    assert response.status_code == 302
    assert "Approved 1 request." in client.get(INBOX).content.decode()


def test_the_inbox_reads_in_simplified_chinese(signed_in, team):
    request = missed_out(team["emma"])
    client = signed_in(team["approver"], language="zh-hans")

    page = client.get(INBOX).content.decode()
    assert "<h1>审批</h1>" in page and "漏打下班卡" in page

    post(client, decide_url("adjustment", request.pk, "approve"), htmx=True)
    response = post(client, decide_url("adjustment", request.pk, "approve"), htmx=True)
    assert "该申请已批准，不能再处理。" in response.content.decode()  # noqa: RUF001
