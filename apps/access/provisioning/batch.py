"""Provisioning many members from rows (the `provision_batch` command's CSV):
`username,email,employee_no,name,roles,manager` (and optionally `department`, `dingtalk_user_id`).

Each row goes through member_provision, so a row means exactly what one API call means. Rows are
processed managers first, so a file may list a report before their manager.
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from apps.access.hooks import record_operation
from apps.access.models import Organization
from apps.access.provisioning.members import member_provision
from apps.core.errors import DomainError, ValidationFailed

COLUMNS = ("username", "email", "employee_no", "name", "roles", "manager")
OPTIONAL_COLUMNS = ("department", "dingtalk_user_id")
ROLE_SEPARATORS = (";", "|", ",")


@dataclass
class RowResult:
    row: int
    username: str
    status: str  # created | updated | unchanged | error | rolled_back
    code: str = ""
    message: str = ""
    changes: dict = field(default_factory=dict)


def read_rows(lines: Iterable[str]) -> list[dict]:
    reader = csv.DictReader(lines)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        problems = ""
        if missing:
            problems += _("; missing: %(columns)s") % {"columns": ", ".join(missing)}
        if unknown:
            problems += _("; unknown: %(columns)s") % {"columns": ", ".join(unknown)}
        raise ValidationFailed(
            "CSV_HEADER_INVALID",
            _("The header must be %(columns)s%(problems)s.")
            % {"columns": ",".join(COLUMNS), "problems": problems},
        )
    reader.fieldnames = header
    rows = []
    for number, raw in enumerate(reader, start=2):  # row 1 is the header
        row = {name: (raw.get(name) or "").strip() for name in COLUMNS + OPTIONAL_COLUMNS}
        row["row"] = number
        rows.append(row)
    return rows


def split_roles(text: str) -> list[str]:
    for separator in ROLE_SEPARATORS:
        text = text.replace(separator, " ")
    return text.split()


def _managers_first(rows: list[dict]) -> list[dict]:
    by_username = {row["username"]: row for row in rows if row["username"]}
    ordered, placed, visiting = [], set(), set()

    def place(row: dict) -> None:
        if row["row"] in placed or row["row"] in visiting:
            return  # a cycle: provisioning reports the missing manager for that row
        visiting.add(row["row"])
        boss = by_username.get(row["manager"])
        if boss is not None and boss is not row:
            place(boss)
        visiting.discard(row["row"])
        placed.add(row["row"])
        ordered.append(row)

    for row in rows:
        place(row)
    return ordered


class _RollBack(Exception):
    pass


def provision_rows(
    *, organization: Organization, actor, rows: list[dict], atomic: bool = False, invite: bool = False
) -> list[RowResult]:
    """Provision each row; report per row (in file order). With `atomic`, any failed row rolls back all."""
    results: dict[int, RowResult] = {}
    try:
        with transaction.atomic():
            for row in _managers_first(rows):
                try:
                    with transaction.atomic():
                        outcome = member_provision(
                            organization=organization,
                            actor=actor,
                            username=row["username"],
                            email=row["email"],
                            employee_no=row["employee_no"],
                            name=row["name"],
                            department=row["department"],
                            roles=split_roles(row["roles"]),
                            manager=row["manager"],
                            dingtalk_user_id=row["dingtalk_user_id"],
                            invite=invite,
                        )
                    results[row["row"]] = RowResult(
                        row["row"], row["username"], outcome.status, changes=outcome.changes
                    )
                except DomainError as error:
                    results[row["row"]] = RowResult(
                        row["row"], row["username"], "error", error.code, error.message
                    )
            if atomic and any(result.status == "error" for result in results.values()):
                raise _RollBack
            _record(organization, actor, results.values(), atomic)
    except _RollBack:
        for result in results.values():
            if result.status != "error":
                result.status = "rolled_back"
        _record(organization, actor, results.values(), atomic)
    return [results[number] for number in sorted(results)]


def _record(organization: Organization, actor, results: Iterable[RowResult], atomic: bool) -> None:
    results = list(results)
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    failed = counts.get("error", 0)
    record_operation(
        action="access.member.provision_batch",
        actor=actor,
        organization=organization,
        target_type="access.membership",
        result="failed" if failed else "ok",
        details={
            "rows": len(results),
            "summary": counts,
            "atomic": atomic,
            "errors": [
                {"row": result.row, "username": result.username, "code": result.code}
                for result in results
                if result.status == "error"
            ][:100],
        },
    )
