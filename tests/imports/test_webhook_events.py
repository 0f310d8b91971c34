"""A committed batch and a rolled-back batch each write their webhook event in the same transaction."""

import pytest

from apps.audit.models import OutboxEvent

pytestmark = pytest.mark.django_db

FILE = "日期,UserId,上班1打卡时间,下班1打卡时间,考勤结果,异常原因\n2026-03-02,u0001,09:00,18:00,正常,\n"


def test_commit_and_rollback_write_batch_events(imports, staff):
    batch = imports.import_text(FILE).json()
    assert imports.rollback(batch["id"]).status_code == 200
    assert imports.rollback(batch["id"]).status_code == 200  # a repeated rollback writes nothing
    events = [(e.type, e.subject, e.data) for e in OutboxEvent.objects.all()]
    subject = f"import_batch:{batch['id']}"
    assert events[0][:2] == ("import_batch.completed", subject)
    assert (events[0][2]["batchId"], events[0][2]["rows"], events[0][2]["created"]) == (batch["id"], 1, 1)
    assert events[1] == (
        "import_batch.rolled_back",
        subject,
        {"batchId": batch["id"], "deleted": 1, "restored": 0},
    )
    assert len(events) == 2
