"""Fixtures of the import tests: an importer, members to match (uploads go to a temporary MEDIA_ROOT, see
tests/conftest.py)."""

import pytest

from apps.access import roles


@pytest.fixture
def importer(make_member):
    return make_member("ivan", roles.IMPORTER, display_name="Ivan Importer")


@pytest.fixture
def staff(make_member):
    """Three members the files name: by UserId (u0001, u0002) and employee no. (E1, E2, E3)."""
    return {
        "zhang": make_member("zhang", external_id="u0001", employee_no="E1", display_name="张三"),
        "li": make_member("li", external_id="u0002", employee_no="E2", display_name="李四"),
        "wang": make_member("wang", employee_no="E3", display_name="王五"),
    }


@pytest.fixture
def client_for(api_as, importer):
    return api_as(importer)


class ImportClient:
    """The calls a client makes, each asserting nothing but returning the response."""

    base = "/api/attendance/import"

    def __init__(self, api):
        self.api = api

    def upload_bytes(self, data: bytes, filename: str = "file.csv", content_type: str = "text/csv"):
        return self.api.generic(
            "POST", f"{self.base}/upload?filename={filename}", data=data, content_type=content_type
        )

    def upload(self, text: str, filename: str = "file.csv", encoding: str = "utf-8"):
        response = self.upload_bytes(text.encode(encoding), filename)
        assert response.status_code == 201, response.json()
        return response.json()["id"]

    def preview(self, upload_id: int, **extra):
        return self.api.post(f"{self.base}/preview", {"uploadId": upload_id, **extra}, format="json")

    def prepare(self, upload_id: int, **extra):
        return self.api.post(f"{self.base}/prepare", {"uploadId": upload_id, **extra}, format="json")

    def commit(self, token: str, key: str, **extra):
        return self.api.post(
            f"{self.base}/commit", {"commitToken": token, "idempotencyKey": key, **extra}, format="json"
        )

    def import_text(self, text: str, key: str = "key-1", mapping=None, **extra):
        upload_id = self.upload(text)
        prepared = self.prepare(upload_id, **({"mapping": mapping} if mapping else {}))
        assert prepared.status_code == 201, prepared.json()
        return self.commit(prepared.json()["commitToken"], key, **extra)

    def rollback(self, batch_id: int):
        return self.api.post(f"{self.base}/batches/{batch_id}/rollback")


@pytest.fixture
def imports(client_for):
    return ImportClient(client_for)
