"""One streaming pass over an upload: detect the header, validate every row, stage the valid ones.

Shared by preview and commit, so both see exactly the same rows, errors and duplicates. Memory stays
bounded by the number of distinct (member, date) pairs (kept for duplicate detection), never by the file.
"""

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain

from django.conf import settings
from django.utils.translation import gettext as _

from apps.access.models import Organization
from apps.attendance import hooks as attendance_hooks
from apps.core.errors import Unprocessable
from apps.imports import reading, storage
from apps.imports.detection import HEADER_SCAN_ROWS, Detection, detect_header
from apps.imports.errors import RowError
from apps.imports.members import MemberIndex
from apps.imports.models import Upload
from apps.imports.staging import Staging
from apps.imports.validation import RowNormalizer

PROGRESS_EVERY = 50_000
DATE_ERRORS = frozenset({"MISSING_DATE", "INVALID_DATE"})
KEPT_ERRORS = 100  # a commit reports at most this many row errors
# Rows whose member is not found: the people a preview lists (so that an admin can create or link them).
UNMATCHED_ERRORS = frozenset({"UNKNOWN_MEMBER", "AMBIGUOUS_MEMBER"})
UNMATCHED_MAX = 1000  # people listed; more are counted in unmatchedTruncated
UNMATCHED_LINES = 10  # lines listed per person
# Part of every ValidatedSet key: bump it when validation changes what a row becomes, so sets kept by
# the previous release are not reused.
# 2: worked time from times loses the shift's break; 3: totals lines, text columns; 4: approvals, leave and
# overtime staged
PIPELINE_VERSION = 4


def validation_key(
    *, organization: Organization, mapping: dict, members: MemberIndex, match_by_name: bool = False
) -> str:
    """What a pass's outcome depends on besides the file: two passes with the same key over the same upload
    validate every row the same way."""
    payload = {
        "version": PIPELINE_VERSION,
        "mapping": mapping,
        "matchByName": match_by_name,
        "timezone": organization.timezone,
        "members": members.fingerprint,
        "maxRows": settings.IMPORT_MAX_ROWS,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@dataclass
class PassResult:
    detection: Detection
    total_rows: int = 0
    ignored: int = 0  # totals and subtotal lines
    valid: int = 0
    invalid: int = 0
    duplicates: int = 0
    locked: int = 0
    error_counts: Counter = field(default_factory=Counter)
    errors: list[dict] = field(default_factory=list)
    errors_truncated: bool = False
    preview_rows: list[dict] = field(default_factory=list)
    # (UserId, 工号, 姓名) -> [rows, first lines] of the rows that matched no member
    unmatched: dict[tuple, list] = field(default_factory=dict)
    unmatched_truncated: bool = False

    def kept(self) -> dict:
        """What a commit needs of this pass when it reuses the preview's rows (see ValidatedSet)."""
        return {
            "detection": self.detection.as_dict(),
            "total_rows": self.total_rows,
            "ignored": self.ignored,
            "valid": self.valid,
            "invalid": self.invalid,
            "duplicates": self.duplicates,
            "locked": self.locked,
            "rejected": sum(self.error_counts.values()),
            "error_counts": dict(self.error_counts),
            "errors": self.errors[:KEPT_ERRORS],
            "errors_truncated": self.errors_truncated,
        }

    @classmethod
    def from_kept(cls, data: dict) -> "PassResult":
        detection = Detection(**data["detection"])
        return cls(
            detection=detection,
            total_rows=data["total_rows"],
            ignored=data.get("ignored", 0),
            valid=data["valid"],
            invalid=data["invalid"],
            duplicates=data["duplicates"],
            locked=data["locked"],
            error_counts=Counter(data["error_counts"]),
            errors=list(data["errors"]),
            errors_truncated=data["errors_truncated"],
        )

    def summary(self) -> dict:
        return {
            "total_rows": self.total_rows,
            "ignored_rows": self.ignored,
            "valid": self.valid,
            "invalid": self.invalid,
            "duplicates": self.duplicates,
            "unknown_members": self.error_counts.get("UNKNOWN_MEMBER", 0),
            "locked": self.locked,
            "error_counts": dict(sorted(self.error_counts.items())),
        }

    def unmatched_people(self) -> list[dict]:
        """The people of the rows that matched no member, most rows first: UserId, 工号, 姓名 as the file
        gives them, how many rows and their first lines."""
        people = sorted(self.unmatched.items(), key=lambda item: (-item[1][0], item[1][1][0]))
        return [
            {"dingtalk_user_id": uid, "employee_no": number, "name": name, "rows": rows, "lines": lines}
            for (uid, number, name), (rows, lines) in people
        ]


def run_pass(
    *,
    upload: Upload,
    organization: Organization,
    mapping: dict[str, str],
    staging: Staging,
    preview_limit: int = 0,
    on_progress: Callable[[int], None] | None = None,
    members: MemberIndex | None = None,
    match_by_name: bool = False,
) -> PassResult:
    path = storage.absolute_path(upload)
    rows = reading.iter_rows(path, upload.file_type, upload.encoding)
    head: list[tuple[int, list]] = []
    for item in rows:
        head.append(item)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    if not head:
        raise Unprocessable("IMPORT_NO_ROWS", _("The file has no rows (only blank lines)."))
    detection, header_index = detect_header(
        head, mapping=mapping, file_type=upload.file_type, encoding=upload.encoding
    )
    result = PassResult(detection=detection)
    members = members or MemberIndex(organization)
    normalizer = RowNormalizer(
        detection=detection, organization=organization, members=members, vendor=staging.vendor,
        match_by_name=match_by_name,
    )  # fmt: skip
    seen: dict[int, dict] = {}  # member id -> {work date: first line}
    if on_progress is not None:  # the data rows: the count of lines less the title and header rows
        on_progress(0, total=max(upload.line_count - header_index - 1, 0))
    try:
        total, valid = _validate_rows(
            chain(head[header_index + 1 :], rows), result=result, normalizer=normalizer, members=members,
            staging=staging, seen=seen, preview_limit=preview_limit, on_progress=on_progress,
        )  # fmt: skip
        total -= result.ignored
        if total == 0:
            raise Unprocessable("IMPORT_NO_ROWS", _("The file has a header but no data rows."))
        result.total_rows, result.valid = total, valid
        result.invalid = sum(result.error_counts.values()) - result.duplicates
        staging.flush()  # ends the open COPY: lock checkers may query the database
        _skip_locked(result, seen, organization, staging)
        staging.finish()
    except BaseException as error:
        staging.abort(error)  # an open COPY would leave the connection unusable
        raise
    result.errors.sort(key=lambda error: error["line"])
    result.errors_truncated = sum(result.error_counts.values()) > len(result.errors)
    if on_progress is not None:
        on_progress(total)
    return result


def _validate_rows(
    rows, *, result: PassResult, normalizer: RowNormalizer, members: MemberIndex, staging: Staging,
    seen: dict, preview_limit: int, on_progress: Callable[[int], None] | None,
) -> tuple[int, int]:  # fmt: skip
    """The hot loop: validate every data row, stage the valid ones, report the rest. Returns (rows, valid)."""
    max_rows = settings.IMPORT_MAX_ROWS
    max_errors = settings.IMPORT_MAX_REPORTED_ERRORS
    errors = result.errors
    counts = result.error_counts
    normalize = normalizer.normalize
    add = staging.add
    total = valid = 0
    for line, cells in rows:
        total += 1
        if total > max_rows:
            raise Unprocessable(
                "IMPORT_TOO_MANY_ROWS",
                _("The file has more than %(max_rows)s data rows; split it into smaller files.")
                % {"max_rows": f"{max_rows:,}"},
                {"maxRows": max_rows},
            )
        try:
            row = normalize(line, cells)
        except RowError as error:
            if error.code in DATE_ERRORS and normalizer.is_totals_line(cells):
                result.ignored += 1  # DingTalk's 合计 line: no record, no error
                continue
            counts[error.code] += 1
            if error.code in UNMATCHED_ERRORS:
                _note_unmatched(result, normalizer.member_cells(cells), line)
            if len(errors) < max_errors:
                errors.append(_error(line, error.code, error.message, error.column))
            staging.reject(line, "failed", error.code, error.message, cells)
            if total <= preview_limit:
                result.preview_rows.append(_invalid_preview(line, cells, error))
            continue
        member_id, work_date = row[1], row[2]
        days = seen.get(member_id)
        if days is None:
            days = seen[member_id] = {}
        first_line = days.get(work_date)
        if first_line is not None:
            message = f"Same member and date as line {first_line}; the first row wins."
            counts["DUPLICATE_ROW"] += 1
            result.duplicates += 1
            if len(errors) < max_errors:
                errors.append(_error(line, "DUPLICATE_ROW", message, ""))
            staging.reject(line, "skipped", "DUPLICATE_ROW", message, cells)
            if total <= preview_limit:
                result.preview_rows.append(_valid_preview(row, normalizer, members, "duplicate"))
            continue
        days[work_date] = line
        add(row)
        valid += 1
        if total <= preview_limit:
            result.preview_rows.append(_valid_preview(row, normalizer, members, "valid"))
        if on_progress is not None and total % PROGRESS_EVERY == 0:
            staging.flush()
            on_progress(total)
    return total, valid


def _note_unmatched(result: PassResult, who: tuple, line: int) -> None:
    person = result.unmatched.get(who)
    if person is None:
        if len(result.unmatched) >= UNMATCHED_MAX:
            result.unmatched_truncated = True
            return
        person = result.unmatched[who] = [0, []]
    person[0] += 1
    if len(person[1]) < UNMATCHED_LINES:
        person[1].append(line)


def _skip_locked(result: PassResult, seen: dict, organization: Organization, staging: Staging) -> None:
    """Rows in a locked payroll period are reported and not imported (one question for the whole file)."""
    locked_lines: list[int] = []
    if not attendance_hooks.has_lock_checkers() or not seen:
        return
    all_dates = {day for days in seen.values() for day in days}
    pairs = attendance_hooks.locked_pairs(
        organization_id=organization.pk, member_ids=seen.keys(), dates=all_dates
    )
    for member_id, day in sorted(pairs):
        line = seen.get(member_id, {}).get(day)
        if line is not None:
            locked_lines.append(line)
            message = f"{day.isoformat()} is in a locked period."
            result.error_counts["LOCKED_PERIOD"] += 1
            if len(result.errors) < settings.IMPORT_MAX_REPORTED_ERRORS:
                result.errors.append(_error(line, "LOCKED_PERIOD", message, "work_date"))
            staging.reject(line, "skipped", "LOCKED_PERIOD", message, [])
    if locked_lines:
        staging.discard(locked_lines)
        result.locked = len(locked_lines)
        result.valid -= len(locked_lines)
        locked = set(locked_lines)
        for row in result.preview_rows:
            if row["line"] in locked:
                row["state"] = "locked"


def _error(line: int, code: str, message: str, column: str) -> dict:
    return {"line": line, "code": code, "message": message, "column": column}


def _invalid_preview(line: int, cells: list, error: RowError) -> dict:
    return {
        "line": line,
        "state": "invalid",
        "errors": [{"code": error.code, "message": error.message}],
        "cells": ["" if cell is None else str(cell) for cell in cells],
    }


def _valid_preview(row: tuple, normalizer: RowNormalizer, members: MemberIndex, state: str) -> dict:
    (
        line,
        member_id,
        work_date,
        first_at,
        last_at,
        worked,
        late,
        early,
        status,
        note,
        approval,
        leave,
        overtime,
    ) = row
    return {
        "line": line,
        "state": state,
        "member_id": member_id,
        "member_name": members.names.get(member_id, ""),
        "work_date": work_date.isoformat(),
        "first_in_at": _local_iso(first_at, normalizer),
        "last_out_at": _local_iso(last_at, normalizer),
        "worked_minutes": worked,
        "late_minutes": late,
        "early_leave_minutes": early,
        "status": status,
        "note": note,
        "approval_text": approval,
        "leave_minutes": leave,
        "overtime_minutes": overtime,
        "errors": [],
    }


def _local_iso(value: str | None, normalizer: RowNormalizer) -> str | None:
    if value is None:
        return None
    moment = datetime.strptime(value[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    return moment.astimezone(normalizer.tz).isoformat()
