"""The two paths of the morning rush do a fixed, pinned number of queries (issue 16): a clock-in and the
month's records of one employee, each through the API with a bearer token as integrators and the mobile
app call them, audit entries sealed in the background as in production. A change that adds a query to
either path fails here; lower the number when a change removes one.

What the queries are (PostgreSQL and SQLite alike):
- every API request: none for who it is once the token is cached (apps/access/auth_cache.py: the
  token, its user, organization, membership, roles and permissions; the client below has used its
  token once, which warms it);
- a clock-in: BEGIN, the member's row lock, the idempotency key, the calendar's policy (the
  organization's holidays and who has a shift assignment are cached: none here), the locked-period
  check, the punch, the day's record (locked), punches, leave and adjustments, the record (in a
  savepoint), the audit entry, the webhook event (the endpoints that want it are cached), COMMIT;
- the records: the settled days' summary, the last days' records, the calendar's policy that judges
  them, and the page (its count comes from the summary).

The organization-wide caches are warm as they are at 09:00: a colleague has punched already.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from apps.access import roles
from apps.attendance.models import DailyRecord, Punch
from tests.attendance.conftest import SHANGHAI, at

pytestmark = pytest.mark.django_db

CLOCK_IN_QUERIES = 16
RECORDS_QUERIES = 4


@pytest.fixture
def production_sealing(settings):
    settings.AUDIT_SEALING = "background"


def _client(bearer, member) -> APIClient:
    """A client with its own token, used once already (a token's first use records it: one more write,
    then at most once a minute), after a colleague of the same organization punched (which warms the
    organization's cached calendar and webhook subscriptions)."""
    from tests.factories import MembershipFactory

    colleague = MembershipFactory(organization=member.organization, roles=[roles.EMPLOYEE])
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {bearer(colleague)}")
    response = other.post("/api/attendance/punches", {"kind": "in"}, format="json", HTTP_IDEMPOTENCY_KEY="c")
    assert response.status_code == 201, response.json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {bearer(member)}")
    assert client.get("/api/me").status_code == 200
    return client


def _month(member, days: int = 31):
    """A month of records of `member`, ending yesterday (the last days are judged by the calendar)."""
    today = timezone.localdate(timezone.now(), SHANGHAI)
    DailyRecord.objects.bulk_create(
        DailyRecord(
            organization=member.organization,
            member=member,
            work_date=today - timedelta(days=n),
            worked_minutes=480,
            status=DailyRecord.Status.NORMAL,
        )
        for n in range(1, days + 1)
    )
    return (today - timedelta(days=days)).isoformat(), (today - timedelta(days=1)).isoformat()


def test_a_clock_in_does_a_fixed_number_of_queries(
    make_member, day_shift, bearer, production_sealing, django_assert_num_queries
):
    emma = make_member("emma", roles.EMPLOYEE)
    client = _client(bearer, emma)
    with django_assert_num_queries(CLOCK_IN_QUERIES):
        response = client.post(
            "/api/attendance/punches", {"kind": "in"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
        )
    assert response.status_code == 201, response.json()
    # The day's second punch updates the record (one UPDATE instead of SAVEPOINT, INSERT, RELEASE).
    with django_assert_num_queries(CLOCK_IN_QUERIES - 2):
        response = client.post(
            "/api/attendance/punches", {"kind": "out"}, format="json", HTTP_IDEMPOTENCY_KEY="k2"
        )
    assert response.status_code == 201, response.json()
    assert Punch.objects.filter(member=emma).count() == 2


def test_the_months_records_do_a_fixed_number_of_queries(
    make_member, day_shift, bearer, django_assert_num_queries
):
    emma = make_member("emma", roles.EMPLOYEE)
    start, end = _month(emma)
    client = _client(bearer, emma)
    with django_assert_num_queries(RECORDS_QUERIES):
        response = client.get("/api/attendance/records", {"from": start, "to": end})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["count"] == 31 and len(body["results"]) == 31
    assert body["summary"]["days"] + body["summary"]["notJudgedDays"] == 31


# Mid-shift (11:00 on a 09:00-18:00 day), so today is not judged yet whatever the real clock says.
@time_machine.travel(at("2026-03-04 11:00"), tick=False)
def test_the_records_serializer_gives_what_the_generic_walk_gives(make_member, day_shift):
    """RecordOut writes its fields itself (faster); every value equals DRF's own field-by-field result,
    for judged and not-yet-judged days, with and without times, imported or not."""
    from rest_framework import serializers

    from apps.attendance import selectors
    from apps.attendance.api.serializers import RecordOut

    emma = make_member("emma", roles.EMPLOYEE)
    _month(emma, days=3)
    today = timezone.localdate(timezone.now(), SHANGHAI)
    DailyRecord.objects.create(
        organization=emma.organization,
        member=emma,
        work_date=today,
        first_in_at=timezone.now() - timedelta(hours=1),
        status=DailyRecord.Status.PARTIAL,
        source=DailyRecord.Source.IMPORT,
        note="from the old system",
    )
    records = selectors.records_judge(
        DailyRecord.objects.filter(member=emma).select_related("member__user"), organization=emma.organization
    )
    serializer = RecordOut()
    assert {record.judged for record in records} == {True, False}
    for record in records:
        assert serializer.to_representation(record) == serializers.ModelSerializer.to_representation(
            serializer, record
        )
