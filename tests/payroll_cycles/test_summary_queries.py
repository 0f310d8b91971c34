"""A page of a cycle's summary, as payroll_bench and the Admin Center's table ask for it (a signed-in
admin, page 1 of 50), does a fixed, pinned number of queries once the caller's caches are warm. Lower the
number when a change removes one.

What they are: the session and its user (who the caller is: membership, roles and permissions come from
the cache, apps/access/auth_cache.py), the cycle, the members' count and the page's members, then the
summary itself: on PostgreSQL the overtime rule, one probe of what the statement needs (approval,
holidays, assignments, pending requests) and the one statement (in a transaction that turns JIT off);
on SQLite the ORM's reads (approved overtime, records, members, policy, rules, pending adjustments,
leave; the calendar's holidays and assignments are cached).
"""

import pytest
from django.db import connection
from django.test import Client

from tests.payroll_cycles.conftest import CYCLES, march, record  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

PAGE_QUERIES = {"postgresql": 11, "sqlite": 12}


def test_a_summary_page_does_a_fixed_number_of_queries(team, march, django_assert_num_queries):  # noqa: F811
    record(team["emma"], "2026-03-02")
    record(team["wang"], "2026-03-03", "late", start="09:30", late=30)
    client = Client()
    client.force_login(team["admin"].user)
    url = f"{CYCLES}/{march['id']}/summary"
    assert client.get(url, {"pageSize": 50}).status_code == 200  # warms the caches, as the bench does
    with django_assert_num_queries(PAGE_QUERIES[connection.vendor]):
        response = client.get(url, {"page": 1, "pageSize": 50})
    assert response.status_code == 200, response.content
    rows = {row["username"]: row for row in response.json()["results"]}
    assert rows["wang"]["lateCount"] == 1 and rows["emma"]["workedMinutes"] == 480
