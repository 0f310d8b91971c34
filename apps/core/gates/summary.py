"""What a gates run leaves behind: summary.json and summary.md in a directory of its own."""

from __future__ import annotations

import json
from pathlib import Path

from apps.core.gates.perf import PERF_METRICS
from apps.core.gates.strict import STRICT_STAGES


def summary_markdown(summary: dict) -> str:
    lines = [
        f"# Gates {summary['startedAt']}: {'PASSED' if summary['ok'] else 'FAILED'}",
        "",
        f"Base URL `{summary['baseUrl']}`, {summary['seconds']} s.",
        "",
    ]
    if summary["failed"]:
        lines += [f"**Failed:** {', '.join(summary['failed'])}", ""]
    for run in summary["runs"]:
        lines += [
            f"## Strict gate, run {run['number']}",
            "",
            "| stage | result | s | requests | detail |",
            "| --- | --- | --- | --- | --- |",
        ]
        for stage in run["stages"]:
            detail = stage["detail"].replace("|", "\\|")
            lines.append(
                f"| {stage['name']} | {'ok' if stage['ok'] else 'FAILED'} | {stage['seconds']} | {stage['attempts']} | {detail} |"
            )
        skipped = [name for name in STRICT_STAGES if name not in {s["name"] for s in run["stages"]}]
        if skipped:
            lines.append(f"| {', '.join(skipped)} | skipped | | | after the failure |")
        lines.append("")
    perf = summary.get("perf")
    if perf:
        lines += [
            "## Perf gate",
            "",
            "| figure | value | threshold | baseline |",
            "| --- | --- | --- | --- |",
        ]
        for name, (unit, better) in PERF_METRICS.items():
            if name in perf.get("figures", {}):
                limit = perf["thresholds"].get(name)
                bound = "" if limit is None else f"{'<=' if better == 'lower' else '>='} {limit}"
                base = (perf.get("baseline") or {}).get(name, "")
                lines.append(f"| {name} ({unit}) | {perf['figures'][name]} | {bound} | {base} |")
        lines += ["", f"Rows imported: {perf['figures'].get('rows')}; baseline: {perf['baselineNote']}."]
        lines += [f"- {problem}" for problem in perf["problems"]] + [""]
    if summary.get("drill"):
        drill_result = summary["drill"]
        lines += [
            "## Drill",
            "",
            f"- strict gate with readiness at `{drill_result['strict']['path']}`: reported failing stage "
            f"`{drill_result['strict']['reported_failing_stage']}` ({'as it must' if drill_result['strict']['ok'] else 'WRONG'})",
            f"- perf check against a baseline ten times better: {drill_result['perf']['regressions_reported']} of "
            f"{drill_result['perf']['expected']} regressions reported ({'as it must' if drill_result['perf']['ok'] else 'WRONG'})",
            "",
        ]
    return "\n".join(lines)


def write_summary(output: Path, summary: dict) -> Path:
    stamp = summary["startedAt"].replace(":", "").replace("-", "")
    directory = output / stamp
    suffix = 1
    while directory.exists():
        suffix += 1
        directory = output / f"{stamp}-{suffix}"
    directory.mkdir(parents=True)
    (directory / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    (directory / "summary.md").write_text(summary_markdown(summary))
    return directory
