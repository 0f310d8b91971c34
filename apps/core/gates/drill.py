"""The drill: proof that a failing gate is reported as failing."""

from __future__ import annotations

from collections.abc import Callable

from apps.core.gates.client import Client
from apps.core.gates.perf import PERF_METRICS, perf_check
from apps.core.gates.strict import StrictGate


def drill(client_factory: Callable[[], Client], figures: dict | None) -> dict:
    """Prove the gate reports failures: the strict gate with readiness pointed at a path that must fail
    must fail at readiness; the perf check against a baseline ten times better must report regressions."""
    must_fail = "/readyz/gate-drill-must-fail"
    run = StrictGate(client_factory(), paths={"readiness": must_fail}).run(0)
    strict_ok = not run.ok and run.failed_stage == "readiness"
    sample = figures or {"api_p95_ms": 50.0, "import_rows_per_second": 1000.0}
    better = {
        name: (value / 10 if PERF_METRICS[name][1] == "lower" else value * 10)
        for name, value in sample.items()
        if name in PERF_METRICS and name != "error_rate" and value
    }
    regressions = perf_check(sample, {}, better, 0.5)
    perf_ok = len(regressions) == len(better) > 0
    return {
        "ok": strict_ok and perf_ok,
        "strict": {
            "path": must_fail,
            "reported_failing_stage": run.failed_stage,
            "detail": next((s.detail for s in run.stages if not s.ok), "the gate passed"),
            "ok": strict_ok,
        },
        "perf": {"regressions_reported": len(regressions), "expected": len(better), "ok": perf_ok},
    }
