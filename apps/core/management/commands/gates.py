"""The deploy gates, over HTTP only (apps/core/gates.py; docs/runbook.md, "Gates").

    manage.py gates --base-url URL [--token T] [--twice] [--perf-rows N] [--drill]
        [--baseline PATH] [--update-baseline] [--max-regression 0.5] [--max-api-p95-ms 200] ...
        [--output output/gates] [--ca-file PEM]

The token defaults to $GATES_TOKEN (an API token of a dedicated gate member with the importer and admin
roles). Writes <output>/<UTC time>/summary.json and summary.md; exits non-zero naming the failing stage.
"""

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core import gates


class Command(BaseCommand):
    help = "Run the strict gate (twice with --twice), the perf gate and optionally the drill against a URL."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", required=True, help="e.g. https://timeledger.example.com")
        parser.add_argument(
            "--token", default=os.environ.get("GATES_TOKEN", ""), help="default: $GATES_TOKEN"
        )
        parser.add_argument("--twice", action="store_true", help="Run the strict gate twice; both must pass.")
        parser.add_argument(
            "--perf-rows", type=int, default=1000, help="Rows the perf gate imports (0: no perf gate)."
        )
        parser.add_argument("--perf-samples", type=int, default=30, help="Requests per latency figure.")
        parser.add_argument("--drill", action="store_true", help="Also prove that a failing gate fails.")
        parser.add_argument("--output", default="output/gates", help="Where <time>/summary.* go.")
        parser.add_argument(
            "--baseline", default="", help="The perf baseline (default: <output>/baseline.json)."
        )
        parser.add_argument(
            "--update-baseline", action="store_true", help="Write the baseline from a passing run."
        )
        parser.add_argument(
            "--max-regression", type=float, default=0.5, help="Worse than the baseline by more: fail."
        )
        parser.add_argument("--max-api-p95-ms", type=float, default=200.0)
        parser.add_argument("--max-health-p95-ms", type=float, default=100.0)
        parser.add_argument("--min-import-rows-per-second", type=float, default=200.0)
        parser.add_argument("--max-export-seconds", type=float, default=10.0)
        parser.add_argument("--max-rollback-seconds", type=float, default=10.0)
        parser.add_argument("--max-error-rate", type=float, default=0.001)
        parser.add_argument(
            "--retries", type=int, default=4, help="Retries of a 429, 5xx or lost connection."
        )
        parser.add_argument("--retry-after-cap", type=float, default=10.0)
        parser.add_argument("--job-timeout", type=float, default=300.0)
        parser.add_argument(
            "--audit-timeout",
            type=float,
            default=60.0,
            help="Seconds to wait for the audit entries to be sealed.",
        )
        parser.add_argument("--ca-file", default=None, help="CA bundle for an https base URL.")

    def handle(self, *args, **options):
        if not options["token"]:
            raise CommandError(
                "GATES_TOKEN_MISSING: pass --token or set GATES_TOKEN (docs/runbook.md, Gates)."
            )
        started_at = datetime.now(UTC).replace(microsecond=0)
        clock = time.monotonic()
        output = Path(options["output"])
        baseline_path = Path(options["baseline"]) if options["baseline"] else output / "baseline.json"

        def client() -> gates.Client:
            return gates.Client(
                base_url=options["base_url"],
                token=options["token"],
                retries=options["retries"],
                retry_after_cap=options["retry_after_cap"],
                ca_file=options["ca_file"],
            )

        runs, failed = [], []
        member: dict = {}
        for number in (1, 2) if options["twice"] else (1,):
            gate = gates.StrictGate(
                client(), job_timeout=options["job_timeout"], audit_timeout=options["audit_timeout"]
            )
            run = gate.run(number)
            runs.append(run)
            member = gate.member or member
            self._report_run(run)
            if not run.ok:
                failed.append(f"strict run {number}: {run.failed_stage}")
                break

        perf = None
        if options["perf_rows"] > 0 and not failed:
            perf = self._perf(client(), member, options, baseline_path)
            if perf["problems"]:
                failed.append("perf: " + "; ".join(perf["problems"]))

        drill = None
        if options["drill"]:
            drill = gates.drill(client, perf["figures"] if perf else None)
            self._line(
                "drill",
                drill["ok"],
                f"a failing stage is reported as {drill['strict']['reported_failing_stage']!r}",
            )
            if not drill["ok"]:
                failed.append("drill: a gate that must fail was not reported as failing")

        summary = {
            "ok": not failed,
            "startedAt": started_at.isoformat().replace("+00:00", "Z"),
            "baseUrl": options["base_url"],
            "seconds": round(time.monotonic() - clock, 2),
            "failed": failed,
            "runs": [gates.as_dict(run) for run in runs],
            "perf": perf,
            "drill": drill,
        }
        directory = gates.write_summary(output, summary)
        self.stdout.write(f"summary: {directory / 'summary.md'}")
        if failed:
            raise CommandError(
                f"Gates failed: {failed[0]}" + (f" (and {len(failed) - 1} more)" if failed[1:] else "")
            )
        self.stdout.write(self.style.SUCCESS("Gates passed."))

    def _perf(self, client, member, options, baseline_path: Path) -> dict:
        thresholds = {
            "api_p95_ms": options["max_api_p95_ms"],
            "health_p95_ms": options["max_health_p95_ms"],
            "import_rows_per_second": options["min_import_rows_per_second"],
            "export_seconds": options["max_export_seconds"],
            "rollback_seconds": options["max_rollback_seconds"],
            "error_rate": options["max_error_rate"],
        }
        try:
            figures = gates.perf_gate(
                client,
                member,
                rows=options["perf_rows"],
                samples=options["perf_samples"],
                job_timeout=options["job_timeout"],
            )
        except gates.GateFailure as error:
            self._line("perf", False, str(error))
            return {"figures": {}, "thresholds": thresholds, "baseline": None, "baselineNote": "not compared",
                    "problems": [f"perf gate: {error}"]}  # fmt: skip
        baseline = None
        if baseline_path.exists():
            baseline = json.loads(baseline_path.read_text())
            note = f"compared with {baseline_path}"
        problems = gates.perf_check(figures, thresholds, baseline, options["max_regression"])
        if baseline is None and not problems:
            note = f"none yet: written to {baseline_path}"
            self._baseline_write(baseline_path, figures)
        elif baseline is None:
            note = "none yet, and not written from a failing run"
        elif options["update_baseline"] and not problems:
            self._baseline_write(baseline_path, figures)
            note += ", then replaced by this run"
        for name in gates.PERF_METRICS:
            self._line(f"perf {name}", not any(p.startswith(name) for p in problems), str(figures[name]))
        return {"figures": figures, "thresholds": thresholds, "baseline": baseline, "baselineNote": note,
                "problems": problems}  # fmt: skip

    def _baseline_write(self, path: Path, figures: dict) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        recorded = {**figures, "recordedAt": datetime.now(UTC).isoformat()}
        path.write_text(json.dumps(recorded, indent=2) + "\n")

    def _report_run(self, run) -> None:
        for stage in run.stages:
            self._line(f"run {run.number} {stage.name}", stage.ok, f"{stage.seconds:.2f}s  {stage.detail}")

    def _line(self, name: str, ok: bool, detail: str) -> None:
        style = self.style.SUCCESS if ok else self.style.ERROR
        self.stdout.write(f"{name:<28} {style('ok' if ok else 'FAILED')}  {detail}")
