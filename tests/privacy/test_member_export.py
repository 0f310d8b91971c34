import csv
import json

import pytest
from django.core.management import CommandError, call_command

from apps.audit.models import OperationLog
from tests.privacy.conftest import EMMA

pytestmark = pytest.mark.django_db


def _export(tmp_path, member="emma.stone", org="acme"):
    out = tmp_path / "export"
    call_command("member_export", member, "--org", org, "--out", str(out))
    return out, json.loads((out / "export.json").read_text(encoding="utf-8"))


def test_export_holds_the_members_data_from_every_app_and_nothing_of_a_colleague(emma, olga, tmp_path):
    out, document = _export(tmp_path)

    sections = document["sections"]
    assert sections["access.user"][0]["email"] == EMMA["email"]
    assert sections["access.membership"][0]["external_id"] == EMMA["external_id"]
    assert len(sections["access.api_tokens"]) == 1
    assert sections["attendance.punches"][0]["device_id"] == EMMA["device_id"]
    assert sections["attendance.punches"][0]["ip"] == EMMA["ip"]
    assert sections["attendance.daily_records"][0]["worked_minutes"] == 480
    assert len(sections["attendance.adjustment_requests"]) == 1
    assert len(sections["attendance.leave_requests"]) == 1
    assert sections["attendance.leave_ledger"][0]["amount"] == "-1.00"
    assert sections["imports.import_items"][0]["raw"]["name"] == EMMA["display_name"]
    assert any(row["action"] == "attendance.punch.create" for row in sections["audit.operation_log"])
    text = "".join(path.read_text(encoding="utf-8") for path in out.iterdir())
    for colleague_value in ("olga", "Olga", "device-olga-abc", "198.51.100.9", "E-2002"):
        assert colleague_value not in text
    assert {path.name for path in out.iterdir()} == {"export.json"} | {f"{name}.csv" for name in sections}


def test_csv_cells_that_a_spreadsheet_would_run_are_escaped(emma, tmp_path):
    out, _ = _export(tmp_path)

    with (out / "attendance.adjustment_requests.csv").open(encoding="utf-8", newline="") as handle:
        row = next(csv.DictReader(handle))
    assert row["reason"].startswith("'=HYPERLINK")


def test_export_is_audited_with_the_counts_and_a_retry_writes_the_same_files(emma, tmp_path):
    _, first = _export(tmp_path)
    _, second = _export(tmp_path)

    # The second export also lists the first one's audit entry; everything else is the same.
    first["sections"].pop("audit.operation_log")
    assert second["sections"].pop("audit.operation_log")[-1]["action"] == "access.member.export"
    assert first["sections"] == second["sections"]
    entries = OperationLog.objects.filter(action="access.member.export")
    assert entries.count() == 2
    assert entries.first().details["counts"]["attendance.punches"] == 1
    assert entries.first().target_id == str(emma.pk)


@pytest.mark.parametrize("identifier", ["E-1001", "EMMA.STONE@example.com"])
def test_member_is_found_by_employee_number_or_email(emma, tmp_path, identifier):
    _, document = _export(tmp_path, member=identifier)

    assert document["member"]["employee_no"] == "E-1001"


def test_default_folder_is_named_after_the_organization_and_employee_number(emma, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call_command("member_export", "E-1001", "--org", "acme")

    assert (tmp_path / "output" / "member-export" / "acme-e-1001" / "export.json").is_file()


@pytest.mark.parametrize(
    ("identifier", "slug", "code"),
    [
        ("nobody", "acme", "MEMBER_NOT_FOUND"),
        ("", "acme", "MEMBER_NOT_FOUND"),
        ("emma.stone", "globex", "MEMBER_NOT_FOUND"),
        ("emma.stone", "no-such-org", "ORGANIZATION_NOT_FOUND"),
    ],
)
def test_bad_input_is_refused_with_a_code_and_writes_nothing(
    emma, other_org, tmp_path, identifier, slug, code
):
    out = tmp_path / "export"
    with pytest.raises(CommandError, match=code):
        call_command("member_export", identifier, "--org", slug, "--out", str(out))

    assert not out.exists()
    assert not OperationLog.objects.filter(action="access.member.export").exists()
