"""Import writes and exports are rate limited per user: over the limit is 429 RATE_LIMITED with Retry-After,
in the envelope, and the refused request writes nothing."""

import pytest

from apps.imports.models import ImportBatch, Upload

pytestmark = pytest.mark.django_db

CSV = "日期,工号,上班1打卡时间,下班1打卡时间\n2026-03-02,E1,09:00,18:00\n"


def assert_limited(response, group: str):
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["ok"] is False
    assert body["error"]["code"] == "RATE_LIMITED"
    assert body["error"]["details"]["group"] == group
    assert int(response["Retry-After"]) >= 1


@pytest.fixture
def limit(settings, still_clock):
    def set_limit(group: str, rate: str = "2/m"):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, group: rate}

    return set_limit


def test_uploads_over_the_limit_are_refused_and_store_nothing(imports, staff, limit):
    limit("import_upload")
    imports.upload(CSV)
    imports.upload(CSV)

    refused = imports.upload_bytes(CSV.encode())

    assert_limited(refused, "import_upload")
    assert Upload.objects.count() == 2


@pytest.mark.parametrize(
    ("group", "call", "ok_status"), [("import_preview", "preview", 200), ("import_prepare", "prepare", 201)]
)
def test_previews_and_prepares_over_the_limit_are_refused(imports, staff, limit, group, call, ok_status):
    upload_id = imports.upload(CSV)
    limit(group)
    send = getattr(imports, call)
    assert send(upload_id).status_code == ok_status
    assert send(upload_id).status_code == ok_status

    assert_limited(send(upload_id), group)


def test_commits_over_the_limit_are_refused_and_write_no_batch(imports, staff, limit):
    upload_id = imports.upload(CSV)
    tokens = [imports.prepare(upload_id).json()["commitToken"] for _ in range(3)]
    limit("import_commit", "1/m")
    assert imports.commit(tokens[0], "key-1").status_code == 200

    assert_limited(imports.commit(tokens[1], "key-2"), "import_commit")
    assert ImportBatch.objects.count() == 1


def test_rollbacks_count_against_the_commit_limit(imports, staff, limit):
    limit("import_commit", "1/m")
    batch_id = imports.import_text(CSV).json()["id"]

    assert_limited(imports.rollback(batch_id), "import_commit")
    assert ImportBatch.objects.get(pk=batch_id).rolled_back_at is None


@pytest.mark.parametrize(
    "path", ["/api/attendance/records/export.csv", "/api/attendance/import/batches/{batch}/errors.csv"]
)
def test_exports_over_the_limit_are_refused(imports, staff, limit, path):
    batch_id = imports.import_text(CSV).json()["id"]
    url = path.format(batch=batch_id)
    limit("export")
    assert imports.api.get(url).status_code == 200
    assert imports.api.get(url).status_code == 200

    assert_limited(imports.api.get(url), "export")
