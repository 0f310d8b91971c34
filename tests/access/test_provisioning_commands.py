"""provision_user and provision_batch: the API's semantics from the command line, with a per-row report."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.access import roles
from apps.access.models import Membership
from apps.audit.models import OperationLog

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def write_csv(tmp_path, text: str, encoding: str = "utf-8-sig"):
    path = tmp_path / "people.csv"
    path.write_text(text, encoding=encoding)
    return str(path)


def test_provision_user_creates_then_reports_unchanged(org, admin_member):
    args = ["provision_user", "--org", "acme", "--username", "alice", "--email", "alice@acme.example"]
    first = run(*args, "--roles", "employee,approver", "--employee-no", "E0200", "--actor", "boss")
    assert first.startswith("created: alice") and "attendance_approver, attendance_employee" in first
    assert run(*args).startswith("unchanged: alice")
    entry = OperationLog.objects.get(action="access.member.create")
    assert entry.actor_label == "boss" and entry.details["employeeNo"] == "E0200"


def test_provision_user_without_actor_names_the_command_in_the_log(org):
    run("provision_user", "--org", "acme", "--username", "alice", "--email", "alice@acme.example")
    assert OperationLog.objects.get(action="access.member.create").actor_label == "cli:provision_user"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "nope", "--username", "x"], "ORGANIZATION_NOT_FOUND"),
        (["--org", "acme", "--username", "x", "--roles", "wizard"], "UNKNOWN_ROLE"),
        (["--org", "acme", "--username", "x y"], "VALIDATION_ERROR"),
        (["--org", "acme", "--username", "x", "--actor", "ghost"], "USER_NOT_FOUND"),
    ],
)
def test_provision_user_bad_input_is_a_clear_error_and_writes_nothing(org, args, message):
    with pytest.raises(CommandError, match=message):
        run("provision_user", *args)
    assert not Membership.objects.exists()


CSV = """username,email,employee_no,name,roles,manager
wang.lei,wang.lei@acme.example,E0102,王磊,employee,alan
alan,alan@acme.example,E0002,Alan Approver,approver;employee,
li.na,li.na@acme.example,E0103,李娜,employee|importer,E0002
ghost,ghost@acme.example,E0104,Ghost,wizard,
dup,wang.lei@acme.example,E0105,Dup,employee,
"""


def test_provision_batch_reports_each_row_applies_the_good_ones_and_exits_non_zero(org, tmp_path):
    with pytest.raises(CommandError, match="BATCH_REJECTED: 2 row"):
        run("provision_batch", write_csv(tmp_path, CSV), "--org", "acme")
    wang = Membership.objects.get(user__username="wang.lei")
    assert wang.manager.user.username == "alan" and wang.display_name == "王磊"  # manager listed later
    assert set(Membership.objects.get(user__username="li.na").roles.values_list("name", flat=True)) == {
        roles.EMPLOYEE,
        roles.IMPORTER,
    }
    assert not Membership.objects.filter(user__username__in=["ghost", "dup"]).exists()
    summary = OperationLog.objects.get(action="access.member.provision_batch")
    assert summary.result == "failed" and summary.details["summary"] == {"created": 3, "error": 2}
    assert [e["code"] for e in summary.details["errors"]] == ["UNKNOWN_ROLE", "EMAIL_IN_USE"]


def test_provision_batch_prints_a_line_per_row(org, tmp_path, capsys):
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("provision_batch", write_csv(tmp_path, CSV), "--org", "acme", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:5] == [
        "row 2 wang.lei: created",
        "row 3 alan: created",
        "row 4 li.na: created",
        "row 5 ghost: error UNKNOWN_ROLE Unknown role(s): wizard. Use employee, approver, importer or admin.",
        "row 6 dup: error EMAIL_IN_USE Another member of this organization already has the e-mail "
        "wang.lei@acme.example.",
    ]
    assert lines[5] == "5 row(s): created 3, error 2"


def test_provision_batch_again_reports_unchanged_and_changes_nothing(org, tmp_path):
    good = "\n".join(CSV.splitlines()[:4]) + "\n"
    path = write_csv(tmp_path, good)
    run("provision_batch", path, "--org", "acme")
    entries = OperationLog.objects.count()
    output = run("provision_batch", path, "--org", "acme")
    assert "3 row(s): unchanged 3" in output
    assert OperationLog.objects.count() == entries + 1  # only the batch summary line


def test_atomic_batch_changes_nothing_when_a_row_fails(org, tmp_path):
    with pytest.raises(CommandError, match=r"nothing was changed \(--atomic\)"):
        run("provision_batch", write_csv(tmp_path, CSV), "--org", "acme", "--atomic")
    assert not Membership.objects.exists()
    assert OperationLog.objects.get(action="access.member.provision_batch").details["summary"] == {
        "rolled_back": 3,
        "error": 2,
    }


@pytest.mark.parametrize(
    ("text", "encoding", "message"),
    [
        ("user,email\nx,y\n", "utf-8", "CSV_HEADER_INVALID"),
        ("username,email,employee_no,name,roles,manager,salary\n", "utf-8", "unknown: salary"),
        ("username,email,employee_no,name,roles,manager\n王,a@b.c,,,,\n", "gb18030", "not UTF-8"),
    ],
)
def test_bad_files_are_refused_before_anything_is_written(org, tmp_path, text, encoding, message):
    with pytest.raises(CommandError, match=message):
        run("provision_batch", write_csv(tmp_path, text, encoding), "--org", "acme")
    assert not Membership.objects.exists()


def test_missing_file_is_a_clear_error(org, tmp_path):
    with pytest.raises(CommandError, match="FILE_NOT_FOUND"):
        run("provision_batch", str(tmp_path / "nope.csv"), "--org", "acme")
