"""Reading /metrics in tests: the value of one series, as Prometheus would scrape it."""

from django.test import Client
from prometheus_client.parser import text_string_to_metric_families


def scrape(client: Client | None = None) -> dict[tuple[str, frozenset], float]:
    response = (client or Client(REMOTE_ADDR="127.0.0.1")).get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float | None:
    return samples.get((name, frozenset(labels.items())))
