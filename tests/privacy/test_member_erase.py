from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command

from apps.access.models import ApiToken, Membership
from apps.attendance.models import AdjustmentRequest, DailyRecord, LeaveLedgerEntry, Punch
from apps.audit.models import OperationLog
from apps.imports.models import ImportItem
from tests.privacy.conftest import EMMA, database_text_containing

pytestmark = pytest.mark.django_db

# The operation log is a hash chain kept under a legal obligation: it is never rewritten (docs/privacy.md).
KEPT_TABLES = frozenset({"audit_operationlog"})
PERSONAL_VALUES = [
    EMMA["username"],
    EMMA["email"],
    EMMA["display_name"],
    EMMA["external_id"],
    EMMA["device_id"],
    EMMA["ip"],
    "Doctor visit",
]


def _erase(*args) -> str:
    out = StringIO()
    call_command("member_erase", *args, stdout=out)
    return out.getvalue()


def _snapshot(member) -> dict:
    member.refresh_from_db()
    member.user.refresh_from_db()
    return {
        "member": (member.display_name, member.external_id, member.is_active),
        "user": (member.user.username, member.user.email, member.user.first_name, member.user.is_active),
        "punches": list(Punch.objects.filter(member=member).values_list("ip", "device_id", "latitude")),
        "requests": list(AdjustmentRequest.objects.filter(member=member).values_list("reason", flat=True)),
        "raw": list(ImportItem.objects.filter(member_id=member.pk).values_list("raw", flat=True)),
    }


def test_erase_removes_every_personal_value_from_the_database(emma, olga):
    for value in PERSONAL_VALUES:
        assert database_text_containing(value, skip=KEPT_TABLES), value

    _erase("emma.stone", "--org", "acme", "--confirm")

    for value in PERSONAL_VALUES:
        assert database_text_containing(value, skip=KEPT_TABLES) == [], value


def test_erase_keeps_the_figures_payroll_needs_and_the_colleagues_data(emma, olga):
    olga_before = _snapshot(olga)

    _erase("E-1001", "--org", "acme", "--confirm")

    punch = Punch.objects.get(member=emma)
    assert (punch.kind, punch.work_date.isoformat(), punch.ip, punch.device_id, punch.latitude) == (
        "in",
        "2026-03-02",
        None,
        "",
        None,
    )
    record = DailyRecord.objects.get(member=emma)
    assert (record.worked_minutes, record.late_minutes, record.status) == (480, 5, "late")
    assert LeaveLedgerEntry.objects.get(member=emma).amount == -1
    emma.refresh_from_db()
    assert emma.employee_no == "E-1001"
    assert emma.display_name.startswith("Erased member ")
    assert not emma.is_active
    user = get_user_model().objects.get(pk=emma.user_id)
    assert (user.first_name, user.last_name, user.is_active) == ("", "", False)
    assert user.email.endswith("@invalid")
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert _snapshot(olga) == olga_before


def test_erase_is_audited_and_a_second_run_changes_nothing_and_says_so(emma):
    first = _erase("emma.stone", "--org", "acme", "--confirm")
    after_first = _snapshot(emma)
    second = _erase(after_first["user"][0], "--org", "acme", "--confirm")

    assert "Erased:" in first
    assert "Nothing to erase" in second
    assert _snapshot(emma) == after_first
    entry = OperationLog.objects.get(action="access.member.erase")
    assert entry.target_id == str(emma.pk)
    assert entry.details["counts"]["attendance"]["punches"] == 1
    assert entry.details["counts"]["access"]["memberships"] == 1


def test_without_confirm_it_is_a_dry_run_that_lists_the_changes_and_writes_nothing(emma):
    before = _snapshot(emma)

    output = _erase("emma.stone", "--org", "acme")

    assert "Dry run" in output
    assert "attendance.punches: 1" in output
    assert _snapshot(emma) == before
    assert not OperationLog.objects.filter(action="access.member.erase").exists()


@pytest.mark.parametrize(
    ("identifier", "slug", "code"),
    [
        ("nobody", "acme", "MEMBER_NOT_FOUND"),
        ("emma.stone", "globex", "MEMBER_NOT_FOUND"),
        ("emma.stone", "no-such-org", "ORGANIZATION_NOT_FOUND"),
    ],
)
def test_bad_input_is_refused_with_a_code_and_changes_nothing(emma, other_org, identifier, slug, code):
    before = _snapshot(emma)

    with pytest.raises(CommandError, match=code):
        _erase(identifier, "--org", slug, "--confirm")

    assert _snapshot(emma) == before
    assert not OperationLog.objects.filter(action="access.member.erase").exists()


def test_the_last_admin_of_an_organization_cannot_be_erased(olga):
    before = _snapshot(olga)

    with pytest.raises(CommandError, match="LAST_ADMIN"):
        _erase("olga.berg", "--org", "acme", "--confirm")

    assert _snapshot(olga) == before
    assert Membership.objects.get(pk=olga.pk).is_active


def test_erase_ends_the_members_sessions_once_confirmed_and_not_in_a_dry_run(
    emma, client, django_capture_on_commit_callbacks
):
    client.force_login(emma.user)
    assert client.session.session_key

    _erase("emma.stone", "--org", "acme")
    assert Session.objects.filter(session_key=client.session.session_key).exists()

    # The sessions end when the erase commits (the test's own transaction never does).
    with django_capture_on_commit_callbacks(execute=True):
        _erase("emma.stone", "--org", "acme", "--confirm")
    assert not Session.objects.exists()


def test_a_user_who_also_works_for_another_organization_keeps_the_account(emma, other_org, make_member):
    Membership.objects.create(
        user=emma.user, organization=other_org, employee_no="G-1", display_name="Emma S"
    )

    _erase("emma.stone", "--org", "acme", "--confirm")

    user = get_user_model().objects.get(pk=emma.user_id)
    assert (user.username, user.email, user.is_active) == (EMMA["username"], EMMA["email"], True)
    assert Membership.objects.get(pk=emma.pk).display_name.startswith("Erased member ")
    assert Membership.objects.get(user=user, organization=other_org).display_name == "Emma S"
