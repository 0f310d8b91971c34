"""Matching a file's people to members: by DingTalk UserId, then employee number, and by name only when the
import asks for it (`matchByName`, off by default), so a row never lands on a namesake unasked. The preview
lists the people it could not match (UserId, 工号, 姓名, rows) so that an admin can create or link them and
preview again."""

import pytest

from apps.attendance.models import DailyRecord

pytestmark = pytest.mark.django_db

HEADER = "日期,UserId,工号,姓名,上班1打卡时间,下班1打卡时间\n"


def day(date: str, uid: str = "", number: str = "", name: str = "") -> str:
    return f"{date},{uid},{number},{name},09:00,18:00\n"


NAMES_ONLY = HEADER + day("2026-03-02", name="张三") + day("2026-03-03", name="张三")
# A new person (not yet a member) who shares a member's name: their own UserId and 工号.
NAMESAKE = HEADER + day("2026-03-02", "u0001", "E1", "张三") + day("2026-03-02", "u0077", "E77", "张三")


def test_a_row_named_only_by_its_name_is_unmatched_unless_the_import_asks(imports, staff):
    upload_id = imports.upload(NAMES_ONLY)
    body = imports.preview(upload_id).json()
    assert body["matchByName"] is False
    assert [(e["line"], e["code"]) for e in body["errors"]] == [(2, "UNKNOWN_MEMBER"), (3, "UNKNOWN_MEMBER")]
    assert "match by name" in body["errors"][0]["message"]
    assert body["summary"]["unknownMembers"] == 2
    assert body["unmatched"] == [
        {"dingtalkUserId": "", "employeeNo": "", "name": "张三", "rows": 2, "lines": [2, 3]}
    ]
    token = imports.prepare(upload_id).json()["commitToken"]
    response = imports.commit(token, "names-skip", onError="skip")
    assert (response.json()["createdCount"], response.json()["failedCount"]) == (0, 2)
    assert response.json()["matchByName"] is False
    assert not DailyRecord.objects.exists()

    asked = imports.preview(upload_id, matchByName=True).json()
    assert (asked["matchByName"], asked["errors"], asked["unmatched"]) == (True, [], [])
    token = imports.prepare(upload_id).json()["commitToken"]
    response = imports.commit(token, "names-asked", matchByName=True)
    assert response.status_code == 200, response.json()
    assert (response.json()["createdCount"], response.json()["matchByName"]) == (2, True)
    assert set(DailyRecord.objects.values_list("member_id", flat=True)) == {staff["zhang"].pk}


def test_a_new_person_who_shares_a_members_name_never_lands_on_the_member(imports, staff):
    upload_id = imports.upload(NAMESAKE)
    body = imports.preview(upload_id).json()
    assert [(e["line"], e["code"]) for e in body["errors"]] == [(3, "UNKNOWN_MEMBER")]
    assert body["unmatched"] == [
        {"dingtalkUserId": "u0077", "employeeNo": "E77", "name": "张三", "rows": 1, "lines": [3]}
    ]
    token = imports.prepare(upload_id).json()["commitToken"]
    response = imports.commit(token, "namesake", onError="skip")
    assert (response.json()["createdCount"], response.json()["failedCount"]) == (1, 1)
    assert DailyRecord.objects.filter(member=staff["zhang"]).count() == 1


def test_the_unmatched_people_are_listed_once_each_most_rows_first(imports, staff, make_member):
    make_member("wang2", display_name="王五", employee_no="E9")  # two members named 王五
    text = (
        HEADER
        + day("2026-03-02", "u0100", "", "赵六")
        + day("2026-03-02", "", "E200", "钱七")
        + day("2026-03-03", "", "E200", "钱七")
        + day("2026-03-04", "", "E200", "钱七")
        + day("2026-03-03", "u0100", "", "赵六")
        + day("2026-03-02", "", "", "王五")
        + day("2026-03-02", "u0001", "", "张三")
    )
    body = imports.preview(imports.upload(text), matchByName=True).json()
    assert body["unmatched"] == [
        {"dingtalkUserId": "", "employeeNo": "E200", "name": "钱七", "rows": 3, "lines": [3, 4, 5]},
        {"dingtalkUserId": "u0100", "employeeNo": "", "name": "赵六", "rows": 2, "lines": [2, 6]},
        {"dingtalkUserId": "", "employeeNo": "", "name": "王五", "rows": 1, "lines": [7]},
    ]
    assert body["summary"]["errorCounts"] == {"AMBIGUOUS_MEMBER": 1, "UNKNOWN_MEMBER": 5}
    assert body["unmatchedTruncated"] is False


def test_linking_the_person_and_previewing_again_matches_them(imports, staff):
    upload_id = imports.upload(NAMESAKE)
    assert len(imports.preview(upload_id).json()["unmatched"]) == 1
    staff["wang"].external_id = "u0077"  # what an admin does with the list: link (or create) the person
    staff["wang"].save()
    again = imports.preview(upload_id).json()
    assert (again["unmatched"], again["errors"], again["summary"]["toCreate"]) == ([], [], 2)


def test_a_commit_asking_for_names_does_not_reuse_a_preview_that_did_not(imports, staff):
    upload_id = imports.upload(NAMES_ONLY)
    assert imports.preview(upload_id).json()["summary"]["invalid"] == 2  # kept, with the two rows invalid
    token = imports.prepare(upload_id).json()["commitToken"]
    response = imports.commit(token, "fresh-pass", matchByName=True)  # onError=reject: must validate afresh
    assert response.status_code == 200, response.json()
    assert response.json()["createdCount"] == 2


def test_the_same_key_with_another_match_by_name_is_another_import(imports, staff):
    upload_id = imports.upload(NAMES_ONLY)
    token = imports.prepare(upload_id).json()["commitToken"]
    first = imports.commit(token, "match-key", onError="skip")
    assert first.status_code == 200
    token = imports.prepare(upload_id).json()["commitToken"]
    same = imports.commit(token, "match-key", onError="skip")
    assert (same.status_code, same.json()["idempotent"]) == (200, True)
    token = imports.prepare(upload_id).json()["commitToken"]
    other = imports.commit(token, "match-key", onError="skip", matchByName=True)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_an_async_preview_keeps_the_option_and_lists_the_unmatched(
    imports, staff, django_capture_on_commit_callbacks
):
    upload_id = imports.upload(NAMES_ONLY + day("2026-03-04", "u0999", "", "孙八"))
    with django_capture_on_commit_callbacks(execute=True):
        response = imports.preview(upload_id, matchByName=True, **{"async": True})
    assert response.status_code == 202
    job = imports.api.get(f"/api/attendance/import/jobs/{response.json()['id']}").json()
    assert job["status"] == "completed"
    assert job["result"]["matchByName"] is True
    assert job["result"]["unmatched"] == [
        {"dingtalkUserId": "u0999", "employeeNo": "", "name": "孙八", "rows": 1, "lines": [4]}
    ]


def test_match_by_name_must_be_a_boolean(imports, staff):
    upload_id = imports.upload(NAMES_ONLY)
    response = imports.preview(upload_id, matchByName="perhaps")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
