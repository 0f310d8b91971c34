"""Template download and uploads: streamed to storage, limited in size, expiring, cleaned by the janitor."""

import csv
import io
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.access import roles
from apps.audit.models import OperationLog
from apps.imports.models import Upload

pytestmark = pytest.mark.django_db

BASE = "/api/attendance/import"


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_template_describes_every_column_as_json(client_for):
    body = client_for.get(f"{BASE}/template").json()
    assert body["headers"][:3] == ["日期", "工号", "姓名"]
    keys = {field["key"]: field for field in body["fields"]}
    assert keys["work_date"]["required"] is True
    assert keys["check_in_1"]["header"] == "上班1打卡时间"
    assert body["statusLabels"]["迟到早退"] == "late_early"
    assert body["maxBytes"] == 100 * 1024 * 1024


def test_template_csv_starts_with_a_bom_so_excel_reads_the_chinese_headers(client_for):
    response = client_for.get(f"{BASE}/template?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    data = response.content
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [
        "日期",
        "工号",
        "姓名",
        "UserId",
        "上班1打卡时间",
        "下班1打卡时间",
        "考勤结果",
        "异常原因",
    ]


def test_raw_body_upload_is_stored_with_its_hash_size_and_encoding(imports, settings):
    text = "日期,UserId\r\n2026-03-02,u0001\r\n"
    response = imports.upload_bytes(text.encode("gb18030"), "dingtalk.csv")
    assert response.status_code == 201
    body = response.json()
    assert body["encoding"] == "gb18030"
    assert body["fileType"] == "csv"
    assert body["size"] == len(text.encode("gb18030"))
    assert body["lineCount"] == 2
    upload = Upload.objects.get()
    assert upload.filename == "dingtalk.csv"
    assert (settings.MEDIA_ROOT / upload.path).read_bytes() == text.encode("gb18030")
    assert OperationLog.objects.filter(action="imports.upload.create").count() == 1


def test_multipart_upload_streams_the_file_part(client_for, settings):
    payload = io.BytesIO("日期,工号\n2026-03-02,E1\n".encode())
    payload.name = "march.csv"
    response = client_for.post(f"{BASE}/upload", {"file": payload}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["filename"] == "march.csv"
    assert len(stored_files(settings)) == 1


def test_inline_csv_text_is_accepted_for_small_files(client_for):
    response = client_for.post(f"{BASE}/upload", {"csvText": "日期,工号\n2026-03-02,E1\n"}, format="json")
    assert response.status_code == 201
    assert response.json()["encoding"] == "utf-8"


def test_a_file_over_the_limit_is_413_and_nothing_is_stored(imports, settings):
    settings.IMPORT_UPLOAD_MAX_BYTES = 1024
    response = imports.upload_bytes(b"x" * 2048)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert Upload.objects.count() == 0
    assert stored_files(settings) == []


def test_a_multipart_file_over_the_limit_stops_streaming_and_stores_nothing(client_for, settings):
    settings.IMPORT_UPLOAD_MAX_BYTES = 100_000
    payload = io.BytesIO(b"a,b\n" * 60_000)
    payload.name = "big.csv"
    response = client_for.post(f"{BASE}/upload", {"file": payload}, format="multipart")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert Upload.objects.count() == 0
    assert stored_files(settings) == []


def test_a_101_mb_file_is_refused_with_the_default_100_mb_limit(imports, settings):
    response = imports.upload_bytes(b"2026-03-02,u0001,09:00,18:00\n" * (101 * 1024 * 1024 // 29 + 1))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert Upload.objects.count() == 0
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"", 422, "IMPORT_NO_ROWS"),
        (b"\n" * 1000, 422, "IMPORT_NO_ROWS"),
        ("日期,工号\n".encode("utf-16-le"), 400, "IMPORT_ENCODING_UNSUPPORTED"),  # UTF-16 without its BOM
        (b"\x00\x01\x02binary", 400, "IMPORT_ENCODING_UNSUPPORTED"),
        (b"\xd0\xcf\x11\xe0legacy-xls", 400, "IMPORT_FORMAT_UNSUPPORTED"),
        (b"\xff\xfe\xfd\x80\x81 not text", 400, "IMPORT_ENCODING_UNSUPPORTED"),
    ],
)
def test_unreadable_files_are_refused_at_upload_and_leave_nothing(imports, settings, data, status, code):
    response = imports.upload_bytes(data)
    assert response.status_code == status, response.json()
    assert response.json()["error"]["code"] == code
    assert Upload.objects.count() == 0
    assert stored_files(settings) == []


def test_upload_needs_the_import_role_and_keeps_nothing_when_denied(api_as, make_member, settings):
    employee = make_member("erin", roles.EMPLOYEE)
    payload = io.BytesIO(b"a,b\n1,2\n")
    payload.name = "x.csv"
    response = api_as(employee).post(f"{BASE}/upload", {"file": payload}, format="multipart")
    assert response.status_code == 403
    assert Upload.objects.count() == 0
    assert stored_files(settings) == []


def test_anonymous_upload_is_401(api):
    assert api.post(f"{BASE}/upload", data=b"a", content_type="text/csv").status_code == 401


def test_an_unsupported_content_type_is_415(client_for):
    response = client_for.generic("POST", f"{BASE}/upload", data=b"<x/>", content_type="application/xml")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_an_expired_upload_is_410_and_the_janitor_deletes_its_file(imports, settings, staff):
    upload_id = imports.upload("日期,UserId\n2026-03-02,u0001\n")
    upload = Upload.objects.get(pk=upload_id)
    Upload.objects.filter(pk=upload_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = imports.preview(upload_id)
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "EXPIRED"
    out = StringIO()
    call_command("import_janitor", stdout=out)
    assert "Purged 1 expired upload" in out.getvalue()
    assert not (settings.MEDIA_ROOT / upload.path).exists()
    call_command("import_janitor", stdout=StringIO())  # running it again changes nothing
    assert Upload.objects.get(pk=upload_id).purged_at is not None
    assert imports.prepare(upload_id).status_code == 410


def test_the_janitor_task_keeps_live_uploads(imports, settings):
    from apps.imports.tasks import import_janitor

    upload_id = imports.upload("日期,UserId\n2026-03-02,u0001\n")
    assert import_janitor.delay().get() == {
        "uploads_purged": 0,
        "orphaned_files_deleted": 0,
        "tokens_deleted": 0,
        "validated_sets_dropped": 0,
    }
    assert (settings.MEDIA_ROOT / Upload.objects.get(pk=upload_id).path).exists()


def test_another_organizations_upload_is_404(imports, make_member, other_org, api_as):
    upload_id = imports.upload("日期,UserId\n2026-03-02,u0001\n")
    outsider = make_member("otto", roles.IMPORTER, organization=other_org)
    response = api_as(outsider).post(f"{BASE}/preview", {"uploadId": upload_id}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "UPLOAD_NOT_FOUND"
