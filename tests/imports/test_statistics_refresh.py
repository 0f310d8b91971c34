"""A large merge leaves the planner's row counts stale; the tables are analysed after it. A synchronous
commit answers without waiting for that: a task does it (PostgreSQL). A broker that cannot take the task
does not fail the finished commit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from kombu.exceptions import OperationalError

from apps.imports import tasks
from apps.imports.statistics import STATISTICS_TABLES, analyze
from tests.imports.test_rollback_vacuum import _file, needs_postgres, records_stat


def _analyses() -> int:
    return records_stat("analyze_count")


def _analyze_statements(queries) -> list[str]:
    """The ANALYZE statements of the imports' statistics tables among `queries`."""
    wanted = {f"ANALYZE {table}" for table in STATISTICS_TABLES}
    return [query["sql"].strip() for query in queries if query["sql"].strip() in wanted]


@pytest.fixture
def members(make_member):
    for index in range(50):
        make_member(f"v{index:03d}", external_id=f"v{index:03d}")


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_large_synchronous_commit_queues_the_analysis_instead_of_running_it(imports, members, monkeypatch):
    queued = []
    monkeypatch.setattr(
        tasks.import_statistics_refresh, "apply_async", lambda kwargs=None, **options: queued.append(kwargs)
    )

    with CaptureQueriesContext(connection) as queries:
        response = imports.import_text(_file("v", members=50, days=210), key="large")  # 10,500 rows

    assert response.status_code == 200, response.json()
    assert response.json()["createdCount"] == 10_500
    assert _analyze_statements(queries.captured_queries) == []
    assert queued == [{"tables": list(STATISTICS_TABLES)}]

    before = _analyses()
    tasks.import_statistics_refresh.apply(kwargs=queued[0])  # what the worker then runs
    assert _analyses() == before + 1


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_when_the_broker_refuses_the_task_the_request_analyses_and_the_commit_stands(
    imports, members, monkeypatch
):
    def broker_down(**kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.import_statistics_refresh, "delay", broker_down)
    before = _analyses()

    response = imports.import_text(_file("v", members=50, days=210), key="large")

    assert response.status_code == 200, response.json()
    assert response.json()["createdCount"] == 10_500
    assert _analyses() == before + 1
    replay = imports.import_text(_file("v", members=50, days=210), key="large")  # a retry: the same batch
    assert replay.json()["id"] == response.json()["id"]


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("task_ran", [False, True])
def test_a_rollback_behind_a_commit_whose_analysis_has_not_run_analyses_first(
    imports, members, monkeypatch, task_ran
):
    queued = []
    monkeypatch.setattr(
        tasks.import_statistics_refresh, "apply_async", lambda kwargs=None, **options: queued.append(kwargs)
    )
    batch = imports.import_text(_file("v", members=50, days=210), key="large").json()
    if task_ran:
        tasks.import_statistics_refresh.apply(kwargs=queued[0])

    with CaptureQueriesContext(connection) as queries:
        response = imports.rollback(batch["id"])

    assert response.json()["status"] == "rolled_back"
    analysed = _analyze_statements(queries.captured_queries)
    assert analysed == ([] if task_ran else ["ANALYZE attendance_dailyrecord", "ANALYZE imports_importitem"])


def test_only_the_imports_tables_are_analysed():
    with pytest.raises(ValueError, match="access_membership"):
        analyze(tables=["attendance_dailyrecord", "access_membership"])
