"""Deploy gates over HTTP only (`manage.py gates`, docs/runbook.md "Gates"): a strict gate that walks what a
user and an importer do, a perf gate with thresholds and a regression check against a stored baseline, and a
drill that proves a failing gate is reported as failing.

Nothing here touches the database or imports an app: the gate asks a running deployment, the way its users
do, with an API token of a dedicated gate member (importer and admin roles). What it writes is undone: the
import it commits is rolled back; the one thing that stays is the gate member's clock-in of the day (and the
audit entries, which are the point of an audit log). Its import uses dates in the year 2000, which no real
attendance has.

Every request is retried on 429, 5xx and connection errors (a deploy's brief 502 is not a failed gate),
with the same Idempotency-Key for writes, honouring Retry-After up to a cap. A stage fails on an answer
that is wrong, or on an error that persists through every retry.

One module per part: `client` (HTTP and its retry rule), `strict` (the strict gate's stages), `perf` (the
perf gate's figures and their check), `drill`, `summary` (the files a run writes). The names
`manage.py gates` uses are re-exported here.
"""

from apps.core.gates.client import PATHS, RETRY_STATUSES, Answer, Client, GateFailure, expect
from apps.core.gates.drill import drill
from apps.core.gates.perf import PERF_DAY, PERF_METRICS, percentile, perf_check, perf_gate
from apps.core.gates.strict import (
    GATE_DAY,
    STRICT_STAGES,
    Run,
    StageResult,
    StrictGate,
    as_dict,
    import_commit,
    import_csv,
    job_wait,
)
from apps.core.gates.summary import summary_markdown, write_summary

__all__ = [
    "GATE_DAY",
    "PATHS",
    "PERF_DAY",
    "PERF_METRICS",
    "RETRY_STATUSES",
    "STRICT_STAGES",
    "Answer",
    "Client",
    "GateFailure",
    "Run",
    "StageResult",
    "StrictGate",
    "as_dict",
    "drill",
    "expect",
    "import_commit",
    "import_csv",
    "job_wait",
    "percentile",
    "perf_check",
    "perf_gate",
    "summary_markdown",
    "write_summary",
]
