"""The perf gate: the figures (API and health p95, import rows per second, export and rollback times, error
rate) and their check against thresholds and a stored baseline."""

from __future__ import annotations

import math
import time
from datetime import date, timedelta

from apps.core.gates.client import PATHS, Client, expect
from apps.core.gates.strict import import_commit

PERF_DAY = date(2000, 2, 1)  # the perf gate's: --perf-rows consecutive days from here
# name -> (unit, which way is better). Thresholds and the regression check use the same names.
PERF_METRICS = {
    "api_p95_ms": ("ms", "lower"),
    "health_p95_ms": ("ms", "lower"),
    "import_rows_per_second": ("rows/s", "higher"),
    "export_seconds": ("s", "lower"),
    "rollback_seconds": ("s", "lower"),
    "error_rate": ("ratio", "lower"),
}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def perf_gate(client: Client, member: dict, *, rows: int, samples: int, job_timeout: float) -> dict:
    """The figures the thresholds and the baseline are about; the import is rolled back at the end."""
    start_requests, start_failed = client.requests, client.failed

    def timed(method: str, path: str, **kwargs) -> float:
        started = time.monotonic()
        expect(client.request(method, path, **kwargs), 200, path)
        return (time.monotonic() - started) * 1000

    health = [timed("GET", PATHS["health"], auth=False) for _ in range(samples)]
    query = {"from": str(PERF_DAY), "to": str(PERF_DAY + timedelta(days=30))}
    api = [timed("GET", PATHS["records"], query=query) for _ in range(samples)]
    started = time.monotonic()
    _, batch = import_commit(client, PATHS, member, PERF_DAY, rows, job_timeout=job_timeout)
    import_seconds = time.monotonic() - started
    export_ms = timed("GET", PATHS["export"], query={"batch": batch["id"]}, headers={"Accept": "text/csv"})
    rollback_ms = timed("POST", PATHS["rollback"].format(id=batch["id"]), body={})
    requests = client.requests - start_requests
    return {
        "rows": rows,
        "samples": samples,
        "api_p95_ms": round(percentile(api, 0.95), 1),
        "health_p95_ms": round(percentile(health, 0.95), 1),
        "import_rows_per_second": round(rows / import_seconds, 1),
        "export_seconds": round(export_ms / 1000, 3),
        "rollback_seconds": round(rollback_ms / 1000, 3),
        "error_rate": round((client.failed - start_failed) / max(requests, 1), 4),
        "retried": client.retried,
    }


def perf_check(figures: dict, thresholds: dict, baseline: dict | None, max_regression: float) -> list[str]:
    """What is wrong with these figures: a threshold crossed, or worse than the baseline by more than
    max_regression (0.5 = 50 %). Empty: the perf gate passes."""
    problems = []
    for name, limit in thresholds.items():
        if limit is None or name not in figures:
            continue
        _, better = PERF_METRICS[name]
        value = figures[name]
        if (better == "lower" and value > limit) or (better == "higher" and value < limit):
            word = "above" if better == "lower" else "below"
            problems.append(f"{name} {value} is {word} the threshold {limit}")
    for name, (_, better) in PERF_METRICS.items():
        old = (baseline or {}).get(name)
        if old is None or name not in figures or name == "error_rate":
            continue
        value = figures[name]
        if better == "lower" and value > old * (1 + max_regression) and value - old > 0.005 * (old or 1):
            problems.append(
                f"{name} {value} regressed from the baseline's {old} (more than {max_regression:.0%} worse)"
            )
        if better == "higher" and value < old / (1 + max_regression):
            problems.append(
                f"{name} {value} regressed from the baseline's {old} (more than {max_regression:.0%} worse)"
            )
    return problems
