"""The records export: filtered, streamed, optionally with a BOM, and safe to open in a spreadsheet."""

import csv
import io

import pytest

from apps.access import roles
from apps.attendance.models import DailyRecord

pytestmark = pytest.mark.django_db

URL = "/api/attendance/records/export.csv"
HEADER = "日期,UserId,上班1打卡时间,下班1打卡时间,考勤结果,异常原因\n"


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_export_lists_the_records_in_the_organizations_time(imports, staff):
    imports.import_text(
        HEADER + "2026-03-02,u0001,09:00,18:00,正常,\n2026-03-03,u0002,22:00,06:00,正常,夜班\n"
    )
    rows = rows_of(imports.api.get(URL))
    assert rows[0][:8] == [
        "日期",
        "工号",
        "姓名",
        "UserId",
        "部门",
        "上班1打卡时间",
        "下班1打卡时间",
        "考勤结果",
    ]
    assert rows[1] == ["2026-03-02", "E1", "张三", "u0001", "", "2026-03-02 09:00", "2026-03-02 18:00", "normal",
                       "540", "0", "0", "", "", "", "", "import"]  # fmt: skip
    assert rows[2][5:7] == ["2026-03-03 22:00", "2026-03-04 06:00"]


def test_cells_that_would_run_as_formulas_are_escaped(imports, staff):
    staff["zhang"].display_name = "=cmd|'/C calc'!A0"
    staff["zhang"].save()
    text = HEADER + '2026-03-02,u0001,09:00,18:00,正常,"+SUM(A1)"\n2026-03-03,u0001,09:00,18:00,正常,@x\n'
    text += "2026-03-04,u0001,09:00,18:00,正常,-1\n2026-03-05,u0001,09:00,18:00,正常,tab\n"
    imports.import_text(text)
    # An import trims cells; another writer may not, so the export must escape a leading tab or CR too.
    DailyRecord.objects.filter(note="tab").update(note="\tTAB\rCR")
    rows = rows_of(imports.api.get(URL))[1:]
    assert {row[2] for row in rows} == {"'=cmd|'/C calc'!A0"}
    assert [row[11] for row in rows] == ["'+SUM(A1)", "'@x", "'-1", "'\tTAB\rCR"]


def test_the_bom_is_added_on_request(imports, staff):
    imports.import_text(HEADER + "2026-03-02,u0001,09:00,18:00,正常,\n")
    with_bom = b"".join(imports.api.get(URL + "?bom=1").streaming_content)
    without = b"".join(imports.api.get(URL).streaming_content)
    assert with_bom.startswith(b"\xef\xbb\xbf")
    assert not without.startswith(b"\xef\xbb\xbf")
    assert with_bom[3:] == without


def test_export_filters_by_dates_member_status_and_batch(imports, staff):
    text = HEADER + "2026-03-02,u0001,09:00,18:00,正常,\n2026-03-03,u0001,09:30,18:00,迟到,\n"
    text += "2026-03-03,u0002,09:00,18:00,正常,\n"
    batch = imports.import_text(text).json()
    dates = lambda query: [row[0] for row in rows_of(imports.api.get(URL + query))[1:]]  # noqa: E731
    assert dates("?from=2026-03-03") == ["2026-03-03", "2026-03-03"]
    assert dates("?to=2026-03-02") == ["2026-03-02"]
    assert dates(f"?member={staff['li'].pk}") == ["2026-03-03"]
    assert dates("?status=late") == ["2026-03-03"]
    assert len(dates(f"?batch={batch['id']}")) == 3
    assert dates("?batch=999999") == []


@pytest.mark.parametrize("query", ["?from=03/02/2026", "?member=abc", "?status=happy"])
def test_bad_filters_are_400(imports, staff, query):
    response = imports.api.get(URL + query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_export_shows_only_the_callers_organization(imports, staff, make_member, other_org, api_as):
    imports.import_text(HEADER + "2026-03-02,u0001,09:00,18:00,正常,\n")
    outsider = api_as(make_member("otto", roles.IMPORTER, organization=other_org))
    assert rows_of(outsider.get(URL))[1:] == []


def test_export_needs_the_import_role(api_as, make_member):
    assert api_as(make_member("erin", roles.EMPLOYEE)).get(URL).status_code == 403


def test_an_export_re_imports_to_the_same_records(imports, staff):
    imports.import_text(
        HEADER + "2026-03-02,u0001,09:00,18:00,正常,\n2026-03-03,u0002,09:12,18:00,迟到,堵车\n"
    )
    exported = b"".join(imports.api.get(URL + "?bom=1").streaming_content)
    upload = imports.upload_bytes(exported, "export.csv").json()["id"]
    summary = imports.preview(upload).json()["summary"]
    assert (summary["valid"], summary["unchanged"], summary["invalid"]) == (2, 2, 0)
