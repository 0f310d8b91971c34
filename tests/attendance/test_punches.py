"""POST /api/attendance/punches: server time, idempotency, geofence, bad input and concurrent retries."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from apps.access import roles
from apps.attendance import services
from apps.attendance.models import AttendancePolicy, DailyRecord, Punch
from apps.audit.models import OperationLog
from tests.attendance.conftest import at, client_for, http_json, post_punch, requires_postgres

pytestmark = pytest.mark.django_db

FACTORY = (31.2304, 121.4737)  # a point in Shanghai
NEAR = {"lat": 31.2310, "lon": 121.4740, "accuracy": 15}  # ~70 m away
FAR = {"lat": 31.3000, "lon": 121.5000, "accuracy": 15}  # ~8 km away


@pytest.fixture
def emma(make_member, day_shift):
    return make_member("emma", roles.EMPLOYEE)


def test_punch_takes_the_server_time_and_stores_what_was_sent(emma):
    client = client_for(emma)
    response = post_punch(
        client,
        at("2026-03-02 08:57"),
        "in",
        occurredAt="2020-01-01T00:00:00Z",
        deviceId="kiosk-7",
        location=NEAR,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["occurredAt"] == "2026-03-02T00:57:00Z"
    assert (body["kind"], body["source"], body["deviceId"], body["workDate"]) == (
        "in",
        "api",
        "kiosk-7",
        "2026-03-02",
    )
    assert body["location"] == {"lat": 31.231, "lon": 121.474, "accuracy": 15.0}
    punch = Punch.objects.get()
    assert punch.ip == "127.0.0.1"
    assert OperationLog.objects.filter(action="attendance.punch.create", result="ok").count() == 1


def test_same_key_same_payload_returns_the_first_punch_without_a_second(emma):
    client = client_for(emma)
    first = post_punch(client, at("2026-03-02 08:57"), "in", key="k-1", deviceId="d")
    again = post_punch(client, at("2026-03-02 09:30"), "in", key="k-1", deviceId="d")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Punch.objects.count() == 1
    assert DailyRecord.objects.get().version == 1


def test_same_key_other_payload_is_409_and_writes_nothing(emma):
    client = client_for(emma)
    post_punch(client, at("2026-03-02 08:57"), "in", key="k-1")
    response = post_punch(client, at("2026-03-02 18:00"), "out", key="k-1")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert Punch.objects.count() == 1


def test_the_same_key_from_another_member_is_a_new_punch(emma, make_member):
    other = make_member("otto", roles.EMPLOYEE)
    post_punch(client_for(emma), at("2026-03-02 08:57"), "in", key="shared")
    assert post_punch(client_for(other), at("2026-03-02 08:58"), "in", key="shared").status_code == 201
    assert Punch.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "headers", "code"),
    [
        ({"kind": "in"}, {}, "IDEMPOTENCY_KEY_REQUIRED"),
        ({"kind": "in"}, {"HTTP_IDEMPOTENCY_KEY": "   "}, "IDEMPOTENCY_KEY_REQUIRED"),
        ({"kind": "in"}, {"HTTP_IDEMPOTENCY_KEY": "x" * 129}, "IDEMPOTENCY_KEY_INVALID"),
        ({"kind": "sideways"}, {"HTTP_IDEMPOTENCY_KEY": "k"}, "VALIDATION_ERROR"),
        ({}, {"HTTP_IDEMPOTENCY_KEY": "k"}, "VALIDATION_ERROR"),
        (
            {"kind": "in", "location": {"lat": 91, "lon": 0}},
            {"HTTP_IDEMPOTENCY_KEY": "k"},
            "VALIDATION_ERROR",
        ),
        ({"kind": "in", "location": {"lat": "north"}}, {"HTTP_IDEMPOTENCY_KEY": "k"}, "VALIDATION_ERROR"),
        ({"kind": "in", "deviceId": "d" * 200}, {"HTTP_IDEMPOTENCY_KEY": "k"}, "VALIDATION_ERROR"),
    ],
)
def test_bad_punch_input_is_400_with_a_code_and_writes_nothing(emma, body, headers, code):
    response = client_for(emma).post("/api/attendance/punches", body, format="json", **headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert not Punch.objects.exists()
    assert not DailyRecord.objects.exists()


def test_malformed_json_is_400(emma):
    response = client_for(emma).post(
        "/api/attendance/punches", "{not json", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MALFORMED_REQUEST"
    assert not Punch.objects.exists()


def test_anonymous_and_roleless_callers_cannot_punch(api, make_member):
    assert api.post("/api/attendance/punches", {"kind": "in"}, format="json").status_code in {401, 403}
    nobody = make_member("nobody", "no-such-role")
    nobody.roles.clear()
    response = post_punch(client_for(nobody), None, "in")
    assert response.status_code == 403
    assert not Punch.objects.exists()


@pytest.fixture
def site(org):
    return services.site_create(
        organization=org, name="Factory", latitude=FACTORY[0], longitude=FACTORY[1], radius_m=200
    )


def test_flag_policy_accepts_a_punch_outside_and_flags_it(org, emma, site):
    services.policy_update(organization=org, geofence=AttendancePolicy.Geofence.FLAG)
    inside = post_punch(client_for(emma), at("2026-03-02 08:57"), "in", location=NEAR).json()
    outside = post_punch(client_for(emma), at("2026-03-02 18:01"), "out", location=FAR).json()
    unknown = post_punch(client_for(emma), at("2026-03-02 18:02"), "out").json()
    assert (inside["outsideGeofence"], inside["site"]) == (False, "Factory")
    assert (outside["outsideGeofence"], outside["site"]) == (True, None)
    assert unknown["outsideGeofence"] is True
    assert Punch.objects.count() == 3


def test_strict_policy_refuses_a_punch_outside_with_422_and_writes_nothing(org, emma, site):
    services.policy_update(organization=org, geofence=AttendancePolicy.Geofence.STRICT)
    for location in (FAR, None):
        extra = {"location": location} if location else {}
        response = post_punch(client_for(emma), at("2026-03-02 08:57"), "in", key="strict", **extra)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "OUTSIDE_GEOFENCE"
    assert not Punch.objects.exists() and not DailyRecord.objects.exists()
    assert OperationLog.objects.filter(action="attendance.punch.create", result="denied").count() == 2
    # The retry from the site, with a new key, goes through.
    assert post_punch(client_for(emma), at("2026-03-02 08:58"), "in", location=NEAR).status_code == 201


def test_geofence_off_ignores_sites(org, emma, site):
    response = post_punch(client_for(emma), at("2026-03-02 08:57"), "in", location=FAR)
    assert response.json()["outsideGeofence"] is False


def test_listing_punches_shows_own_only(emma, make_member):
    other = make_member("otto", roles.EMPLOYEE)
    post_punch(client_for(emma), at("2026-03-02 08:57"), "in")
    post_punch(client_for(other), at("2026-03-02 08:58"), "in")
    response = client_for(emma).get("/api/attendance/punches", {"from": "2026-03-01", "to": "2026-03-31"})
    assert [p["occurredAt"] for p in response.json()["results"]] == ["2026-03-02T00:57:00Z"]
    assert client_for(emma).get("/api/attendance/punches", {"member": "otto"}).status_code == 404


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_concurrent_identical_punches_create_exactly_one(make_member, day_shift, live_server, bearer):
    token = bearer(make_member("emma", roles.EMPLOYEE))
    barrier = threading.Barrier(50)

    def punch(_):
        barrier.wait()
        return http_json(
            live_server.url,
            "POST",
            "/api/attendance/punches",
            token=token,
            body={"kind": "in", "deviceId": "phone"},
            headers={"Idempotency-Key": "same-key"},
        )

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(punch, range(50)))
    assert {status for status, _ in results} == {201}, results
    assert len({body["id"] for _, body in results}) == 1
    assert Punch.objects.count() == 1
    assert DailyRecord.objects.get().version == 1
    assert OperationLog.objects.filter(action="attendance.punch.create").count() == 1


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_punches_of_two_members_of_one_organization_do_not_wait_for_each_other(
    make_member, day_shift, settings
):
    """The member lock is the membership row only: a punch whose transaction is still open must not hold
    up another member's punch (the lock once took the organization row too, a queue for the whole
    organization). Audit entries are sealed in the background, as in production."""
    from django.db import connections, transaction

    settings.AUDIT_SEALING = "background"
    emma, wang = make_member("emma", roles.EMPLOYEE), make_member("wang", roles.EMPLOYEE)
    first_written, second_done, errors = threading.Event(), threading.Event(), []

    def slow(member):
        try:
            with transaction.atomic():
                services.punch_create(member=member, kind="in", source="api", idempotency_key="slow")
                first_written.set()
                if not second_done.wait(timeout=20):
                    errors.append("the second member's punch waited for the first one's transaction")
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    def fast(member):
        try:
            first_written.wait(timeout=20)
            with connections["default"].cursor() as cursor:
                cursor.execute("SET lock_timeout = '10s'")
            services.punch_create(member=member, kind="in", source="api", idempotency_key="fast")
            second_done.set()
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=slow, args=(emma,)), threading.Thread(target=fast, args=(wang,))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert Punch.objects.filter(member__in=[emma, wang]).count() == 2
