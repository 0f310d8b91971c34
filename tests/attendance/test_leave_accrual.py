"""Leave that accrues: a new type's allowance is credited at once, a changed allowance moves this year's
balances by the difference, joiners get the months left, last year's balance above a cap expires, and the
daily beat run / `manage.py leave_accrue` credit once however often they run."""

from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from apps.access.models import Membership
from apps.attendance import services
from apps.attendance.models import LeaveLedgerEntry
from apps.attendance.services.settings_admin import leave_type_allowance_update
from apps.attendance.tasks import leave_accrue
from apps.audit.models import OperationLog
from tests.attendance.conftest import at, client_for

pytestmark = pytest.mark.django_db


def available(member, code: str) -> str:
    response = client_for(member).get("/api/attendance/leave-balances")
    assert response.status_code == 200, response.json()
    return next(b for b in response.json() if b["leaveType"]["code"] == code)["available"]


def joined(member: Membership, when: str) -> Membership:
    Membership.objects.filter(pk=member.pk).update(created_at=at(when))
    member.refresh_from_db()
    return member


@time_machine.travel(at("2026-03-01 10:00"), tick=False)
def test_a_new_type_credits_every_active_member_this_years_allowance_at_once(org, team):
    Membership.objects.filter(pk=team["olga"].pk).update(is_active=False)

    services.leave_type_create(
        organization=org, code="annual", name="Annual leave", yearly_allowance=10, actor=team["admin"]
    )

    assert available(team["emma"], "annual") == "10.00"
    assert available(team["wang"], "annual") == "10.00"
    assert not LeaveLedgerEntry.objects.filter(member=team["olga"]).exists()
    accrual = OperationLog.objects.get(action="attendance.leave.accrue")
    assert accrual.details["year"] == 2026
    assert accrual.details["created"] == 4  # alan, emma, wang, ada
    assert accrual.details["leaveTypes"] == ["annual"]


@time_machine.travel(at("2026-03-01 10:00"), tick=False)
def test_raising_or_lowering_an_allowance_moves_this_years_balances_by_the_difference(org, team):
    annual = services.leave_type_create(organization=org, code="annual", name="Annual", yearly_allowance=10)

    leave_type_allowance_update(
        organization=org, leave_type_id=annual.pk, yearly_allowance=Decimal("12"), actor=team["admin"]
    )
    assert available(team["emma"], "annual") == "12.00"
    changes = LeaveLedgerEntry.objects.filter(member=team["emma"], kind="allowance_change")
    assert [entry.amount for entry in changes] == [Decimal("2.00")]

    leave_type_allowance_update(
        organization=org, leave_type_id=annual.pk, yearly_allowance=Decimal("8"), actor=team["admin"]
    )
    assert available(team["emma"], "annual") == "8.00"

    # The same value again (a retried form) writes nothing, and says so.
    entries = LeaveLedgerEntry.objects.count()
    again = leave_type_allowance_update(
        organization=org, leave_type_id=annual.pk, yearly_allowance=Decimal("8.00"), actor=team["admin"]
    )
    assert LeaveLedgerEntry.objects.count() == entries
    assert (again.allowance_changed, again.name_changed, again.credited) == (False, False, 0)
    renamed = leave_type_allowance_update(
        organization=org, leave_type_id=annual.pk, yearly_allowance=Decimal("9"), name_zh="年假"
    )
    members = LeaveLedgerEntry.objects.filter(kind="allowance_change").values("member").distinct().count()
    assert (renamed.allowance_changed, renamed.name_changed, renamed.credited) == (True, True, members)
    assert renamed.leave_type.yearly_allowance == Decimal("9")


def test_an_allowance_raised_later_never_re_grants_a_past_year(org, team):
    with time_machine.travel(at("2025-06-01 10:00"), tick=False):
        annual = services.leave_type_create(
            organization=org, code="annual", name="Annual", yearly_allowance=10
        )
    with time_machine.travel(at("2026-02-01 10:00"), tick=False):
        services.leave_accrue_year(organization=org, year=2026)
        leave_type_allowance_update(organization=org, leave_type_id=annual.pk, yearly_allowance=Decimal("15"))
        assert services.leave_accrue_year(organization=org, year=2025) == 0

    emma_2025 = LeaveLedgerEntry.objects.filter(member=team["emma"], accrual_year=2025)
    assert [(e.kind, e.amount) for e in emma_2025] == [("accrual", Decimal("10.00"))]
    emma_2026 = LeaveLedgerEntry.objects.filter(member=team["emma"], accrual_year=2026).order_by("pk")
    assert [(e.kind, e.amount) for e in emma_2026] == [
        ("accrual", Decimal("10.00")),
        ("allowance_change", Decimal("5.00")),
    ]


def test_joiners_get_the_months_left_of_the_year_they_joined_on_the_next_daily_run(org, team, make_member):
    joined(team["emma"], "2025-11-01 09:00")  # joined before this year: the whole allowance
    with time_machine.travel(at("2026-01-05 10:00"), tick=False):
        services.leave_type_create(
            organization=org, code="annual", name="Annual", yearly_allowance=12, accrual_pro_rata=True
        )
    with time_machine.travel(at("2026-04-15 10:00"), tick=False):
        newcomer = joined(make_member("nina"), "2026-04-15 09:00")
        assert leave_accrue() == {"acme": 1}
        assert leave_accrue() == {"acme": 0}  # beat ran twice: credited once

        assert available(newcomer, "annual") == "9.00"  # April to December: 9 of 12 months
    assert LeaveLedgerEntry.objects.get(member=team["emma"]).amount == Decimal("12.00")


def test_what_last_year_left_above_the_cap_expires_once_when_the_new_year_is_credited(org, team):
    with time_machine.travel(at("2026-01-02 10:00"), tick=False):
        annual = services.leave_type_create(
            organization=org, code="annual", name="Annual", yearly_allowance=10, carry_forward_cap=5
        )
        services.leave_balance_adjust(
            member=team["wang"], leave_type=annual, amount=Decimal("-8"), note="Taken", actor=team["admin"]
        )
    with time_machine.travel(at("2027-01-01 08:00"), tick=False):
        out = StringIO()
        call_command("leave_accrue", "--org", "acme", stdout=out)
        assert "for 2027" in out.getvalue()
        again = StringIO()
        call_command("leave_accrue", stdout=again)
        assert "acme: 0 ledger entries for 2027" in again.getvalue()

        assert available(team["emma"], "annual") == "15.00"  # 10 left, 5 kept, 10 new
        assert available(team["wang"], "annual") == "12.00"  # 2 left (under the cap), 10 new
    expiry = LeaveLedgerEntry.objects.get(member=team["emma"], kind="expiry")
    assert (expiry.amount, expiry.accrual_year, str(expiry.effective_date)) == (
        Decimal("-5.00"),
        2027,
        "2027-01-01",
    )
    assert not LeaveLedgerEntry.objects.filter(member=team["wang"], kind="expiry").exists()


def test_the_command_refuses_an_unknown_organization_or_an_impossible_year(org):
    with pytest.raises(CommandError, match="ORGANIZATION_NOT_FOUND"):
        call_command("leave_accrue", "--org", "nobody")
    with pytest.raises(CommandError, match="between 1900 and 2199"):
        call_command("leave_accrue", "--year", "9999")
    assert not LeaveLedgerEntry.objects.exists()
