"""Pagination and filtering are set once (settings): any list view gets `?page=&pageSize=` (50 by default,
200 at most) and django-filter, with bad values answered in the envelope."""

import pytest

from apps.access.models import Organization

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.foundation.urls_for_errors")]

URL = "/api/test-conventions/organizations"


@pytest.fixture
def organizations():
    Organization.objects.bulk_create(
        Organization(slug=f"org-{n:03d}", name=f"Org {n}", timezone="Asia/Shanghai" if n % 2 else "UTC")
        for n in range(230)
    )


def test_lists_are_paginated_by_50_with_count_and_links(api, organizations):
    body = api.get(URL).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 230 and len(body["results"]) == 50
    assert "page=2" in body["next"] and body["previous"] is None


def test_page_size_is_chosen_by_the_client_up_to_200(api, organizations):
    assert len(api.get(URL, {"pageSize": 10, "page": 3}).json()["results"]) == 10
    assert api.get(URL, {"pageSize": 10, "page": 3}).json()["results"][0]["slug"] == "org-020"
    assert len(api.get(URL, {"pageSize": 1000}).json()["results"]) == 200


def test_a_page_past_the_end_is_a_404_envelope(api, organizations):
    response = api.get(URL, {"page": 99})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_filters_come_from_django_filter(api, organizations):
    body = api.get(URL, {"timezone": "UTC", "pageSize": 200}).json()
    assert body["count"] == 115
    assert {row["timezone"] for row in body["results"]} == {"UTC"}


def test_a_bad_filter_value_is_a_400_envelope_naming_the_parameter(api, organizations):
    response = api.get(URL, {"since": "not-a-date"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert list(error["details"]["fields"]) == ["since"]
