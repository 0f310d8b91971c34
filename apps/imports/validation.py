"""Turning a file's cells into daily-record values, one row at a time, fast.

The hot loop runs once per data row (500,000 of them in the benchmark), so parsed dates, times and
datetimes are memoised in plain dicts and errors are the exceptional path. Times become UTC strings in
the database's own text format, ready for COPY (PostgreSQL) or a bulk insert (SQLite).
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from apps.access.models import Membership, Organization
from apps.attendance.calendar import BreakMinutes
from apps.core.errors import Unprocessable, ValidationFailed
from apps.imports import formats

HEADER_SCAN_ROWS = 50
EMPTY_MARKERS = {"", "-", "--", "—", "未打卡", "无", "none", "null"}
NOTE_MAX = 300
CACHE_LIMIT = 200_000
_DATE = re.compile(r"^(\d{2}|\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[\sT].*)?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_NEXT_DAY = re.compile(r"^次日\s*")
_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)\s*(分钟|分|min|小时|h)?$")


class RowError(Exception):
    def __init__(self, code: str, message: str, column: str = ""):
        self.code, self.message, self.column = code, message, column
        super().__init__(code)


@dataclass
class Detection:
    file_type: str
    encoding: str
    format: str = ""
    header_line: int = 0
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # field key -> header text
    columns: dict[str, int] = field(default_factory=dict)  # field key -> column index

    def as_dict(self) -> dict:
        return {
            "file_type": self.file_type,
            "encoding": self.encoding,
            "format": self.format,
            "header_line": self.header_line,
            "headers": self.headers,
            "mapping": self.mapping,
        }


def validate_mapping(mapping: dict | None) -> dict[str, str]:
    mapping = mapping or {}
    if not isinstance(mapping, dict):
        raise ValidationFailed("IMPORT_MAPPING_INVALID", _("mapping must be an object {field: header}."))
    unknown = sorted(key for key in mapping if not formats.is_known_field(key))
    if unknown or not all(isinstance(value, str) and value.strip() for value in mapping.values()):
        raise ValidationFailed(
            "IMPORT_MAPPING_INVALID",
            _("mapping names fields we do not know or gives an empty header."),
            {"unknownFields": unknown, "fields": sorted(formats.FIELD_KEYS)},
        )
    return {key: value.strip() for key, value in mapping.items()}


def detect_header(
    rows: list[tuple[int, list]], *, mapping: dict[str, str], file_type: str, encoding: str
) -> tuple[Detection, int]:
    """The header among the first rows: the first one that names a date column and a member column
    (or, with an explicit mapping, holds every mapped header). Returns it and its index in `rows`."""
    wanted = {formats.canonical(header): key for key, header in mapping.items()}
    for index, (line, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        canonical = [formats.canonical(cell) for cell in cells]
        columns: dict[str, int] = {}
        for position, name in enumerate(canonical):
            key = formats.field_for_header(name)
            if key and key not in columns:
                columns[key] = position
        if wanted:
            if not set(wanted) <= set(canonical):
                continue
            for name, key in wanted.items():
                columns[key] = canonical.index(name)
        if "work_date" not in columns or not any(key in columns for key in formats.MEMBER_FIELDS):
            continue
        headers = ["" if cell is None else str(cell).strip().lstrip("\ufeff") for cell in cells]
        detection = Detection(file_type=file_type, encoding=encoding, header_line=line, headers=headers)
        detection.columns = dict(sorted(columns.items(), key=lambda item: item[1]))
        detection.mapping = {key: headers[position] for key, position in detection.columns.items()}
        if wanted:
            detection.format = "mapped"
        elif tuple(h for h in headers if h) == formats.TEMPLATE_HEADERS:
            detection.format = "template"
        elif index > 0 or formats.DINGTALK_MARKERS & set(columns) or "status" in columns:
            detection.format = "dingtalk_daily"
        else:
            detection.format = "custom"
        return detection, index
    if wanted:
        raise Unprocessable(
            "IMPORT_MAPPING_INVALID",
            _("No row among the first %(rows)s holds every header the mapping names.")
            % {"rows": HEADER_SCAN_ROWS},
            {"mapping": mapping},
        )
    raise Unprocessable(
        "IMPORT_NO_HEADER",
        _(
            "No header row found in the first %(rows)s rows: it needs a date column (日期) and a member "
            "column (UserId, 工号 or 姓名). Download the template to see the columns."
        )
        % {"rows": HEADER_SCAN_ROWS},
    )


class MemberIndex:
    """All members of the organization in dicts (one query), matched by UserId, employee no. or name."""

    def __init__(self, organization: Organization):
        self.by_external: dict[str, int] = {}
        self.by_employee_no: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = {}
        self.names: dict[int, str] = {}
        self.inactive: set[int] = set()
        rows = Membership.objects.for_org(organization).values_list(
            "id", "external_id", "employee_no", "display_name", "is_active",
            "user__username", "user__first_name", "user__last_name",
        )  # fmt: skip
        rows = list(rows.order_by("id"))
        # The break a row's worked time loses when the file gives only times (one rule with punched days).
        self.breaks = BreakMinutes(organization=organization, member_ids=[row[0] for row in rows])
        # Everything matching depends on; a kept preview is reused only while it is unchanged.
        self.fingerprint = hashlib.sha256(repr((rows, self.breaks.fingerprint)).encode()).hexdigest()
        for member_id, external_id, employee_no, display_name, active, username, first, last in rows:
            if external_id:
                self.by_external[external_id] = member_id
            if employee_no:
                self.by_employee_no[employee_no] = member_id
            full_name = f"{first} {last}".strip()
            for name in {display_name, full_name, f"{last}{first}".strip(), username} - {""}:
                self.by_name.setdefault(name, []).append(member_id)
            self.names[member_id] = display_name or full_name or username
            if not active:
                self.inactive.add(member_id)

    def resolve(self, user_id: str, employee_no: str, name: str) -> int:
        member_id = None
        if user_id:
            member_id = self.by_external.get(user_id)
        if member_id is None and employee_no:
            member_id = self.by_employee_no.get(employee_no)
        if member_id is None and name:
            matches = self.by_name.get(name, ())
            if len(matches) > 1:
                raise RowError(
                    "AMBIGUOUS_MEMBER",
                    f"{len(matches)} members are named {name!r}; add UserId or 工号.",
                    "name",
                )
            if matches:
                member_id = matches[0]
        if member_id is None:
            if not (user_id or employee_no or name):
                raise RowError("MISSING_MEMBER", "The row names no member (UserId, 工号 or 姓名).")
            who = ", ".join(v for v in (user_id, employee_no, name) if v)
            raise RowError("UNKNOWN_MEMBER", f"No member matches {who}.")
        if member_id in self.inactive:
            raise RowError("MEMBER_INACTIVE", f"{self.names[member_id]} is deactivated.")
        return member_id


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _getter(columns: list[int]):
    """A function cells -> tuple of those cells (hashable, for the memo dicts)."""
    if not columns:
        return lambda cells: ()
    if len(columns) == 1:
        index = columns[0]
        return lambda cells: (cells[index],)
    return itemgetter(*columns)


class RowNormalizer:
    """normalize(line, cells) -> the staging tuple
    (line, member_id, work_date, first_in_at, last_out_at, worked, late, early, status, note)."""

    def __init__(
        self, *, detection: Detection, organization: Organization, members: MemberIndex, vendor: str
    ):
        self.columns = detection.columns
        self.members = members
        self.breaks = members.breaks
        self.tz = ZoneInfo(organization.timezone)
        self.postgres = vendor == "postgresql"
        self._dates: dict[str, date] = {}
        self._times: dict[str, tuple[int | None, int, date | None]] = {}
        self._instants: dict[tuple[date, int], tuple[str, int]] = {}
        self._numbers: dict[str, int] = {}
        self._members: dict[tuple, int] = {}
        self._spans: dict[tuple, tuple] = {}
        self._statuses: dict[tuple, str] = {}
        col = self.columns.get
        self.date_col = col("work_date")
        self.member_cols = (col("user_id"), col("employee_no"), col("name"))
        punch_keys = [key for key in self.columns if formats.PUNCH_FIELD.match(key)]
        self.in_cols = [self.columns[k] for k in punch_keys if k.startswith("check_in_")]
        self.out_cols = [self.columns[k] for k in punch_keys if k.startswith("check_out_")]
        self.status_col, self.note_col = col("status"), col("note")
        self.late_col, self.early_col = col("late_minutes"), col("early_leave_minutes")
        self.worked_col, self.hours_col = col("worked_minutes"), col("worked_hours")
        self.formula_cols = sorted(self.columns.values())
        self.member_key = _getter([c for c in self.member_cols if c is not None])
        self.punch_key = _getter(self.in_cols + self.out_cols)
        self.width = max(self.formula_cols) + 1

    # --- cells --------------------------------------------------------------------------------
    def _cell(self, cells: list, index: int | None):
        if index is None or index >= len(cells):
            return None
        return cells[index]

    def work_date(self, value) -> date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = _text(value)
        cached = self._dates.get(text)
        if cached is not None:
            return cached
        if not text:
            raise RowError("MISSING_DATE", "The date is empty.", "work_date")
        match = _DATE.match(text)
        parsed = None
        if match:
            year, month, day = (int(part) for part in match.groups())
            year += 2000 if year < 100 else 0
            try:
                parsed = date(year, month, day)
            except ValueError:
                parsed = None
        if parsed is None or not 2000 <= parsed.year <= 2100:
            raise RowError("INVALID_DATE", f"{text!r} is not a date (use 2026-03-02).", "work_date")
        if len(self._dates) < CACHE_LIMIT:
            self._dates[text] = parsed
        return parsed

    def punch(self, value) -> tuple[int | None, int, date | None] | None:
        """(explicit day offset or None, seconds of day, explicit date or None), or None for no punch."""
        if value is None:
            return None
        if isinstance(value, datetime):
            return None, value.hour * 3600 + value.minute * 60 + value.second, value.date()
        if isinstance(value, time):
            return None, value.hour * 3600 + value.minute * 60 + value.second, None
        text = _text(value)
        cached = self._times.get(text)
        if cached is not None:
            return cached
        if text.lower() in EMPTY_MARKERS or text == "缺卡":
            return None
        offset = None
        body = text
        if text.startswith("次日"):
            offset, body = 1, _NEXT_DAY.sub("", text)
        explicit_date = None
        if " " in body or "T" in body:
            date_part, _space, body = body.replace("T", " ").partition(" ")
            try:
                explicit_date = self.work_date(date_part)
            except RowError:
                raise RowError("INVALID_TIME", f"{text!r} is not a time (use 09:00).", "time") from None
            body = body.strip()
        match = _TIME.match(body)
        if not match:
            raise RowError("INVALID_TIME", f"{text!r} is not a time (use 09:00).", "time")
        hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise RowError("INVALID_TIME", f"{text!r} is not a time of day.", "time")
        parsed = (offset, hour * 3600 + minute * 60 + second, explicit_date)
        if len(self._times) < CACHE_LIMIT:
            self._times[text] = parsed
        return parsed

    def instant(self, work_date: date, seconds: int) -> tuple[str, int]:
        """(database text in UTC, epoch seconds) of `seconds` after local midnight of `work_date`."""
        key = (work_date, seconds)
        cached = self._instants.get(key)
        if cached is None:
            local = datetime.combine(work_date, time(), tzinfo=self.tz) + timedelta(seconds=seconds)
            moment = local.astimezone(UTC)
            text = moment.strftime("%Y-%m-%d %H:%M:%S+00" if self.postgres else "%Y-%m-%d %H:%M:%S")
            cached = (text, int(moment.timestamp()))
            if len(self._instants) > CACHE_LIMIT:
                self._instants.clear()
            self._instants[key] = cached
        return cached

    def number(self, value, *, hours: bool = False) -> int:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if value < 0:
                raise RowError("INVALID_NUMBER", f"{value} is negative.")
            return round(value * 60) if hours else round(value)
        text = _text(value)
        if text.lower() in EMPTY_MARKERS:
            return 0
        key = f"{hours}:{text}"
        cached = self._numbers.get(key)
        if cached is not None:
            return cached
        match = _NUMBER.match(text)
        if not match:
            raise RowError("INVALID_NUMBER", f"{text!r} is not a number of minutes or hours.")
        amount, unit = float(match.group(1)), match.group(2)
        in_hours = unit in {"小时", "h"} or (hours and unit is None)
        parsed = round(amount * 60) if in_hours else round(amount)
        if len(self._numbers) < CACHE_LIMIT:
            self._numbers[key] = parsed
        return parsed

    # --- rows ---------------------------------------------------------------------------------
    def normalize(self, line: int, cells: list) -> tuple:
        if len(cells) < self.width:
            cells = cells + [None] * (self.width - len(cells))
        for index in self.formula_cols:
            value = cells[index]
            if value.__class__ is str and value[:1] == "=":
                raise RowError("CELL_FORMULA", "A cell holds a formula; paste values only.", str(index + 1))
        raw_date = cells[self.date_col]
        work_date = self._dates.get(raw_date) if raw_date.__class__ is str else None
        if work_date is None:
            work_date = self.work_date(raw_date)
        # Whole-cell memos: real files repeat members, punch pairs and results on every day.
        member_key = self.member_key(cells)
        member_id = self._members.get(member_key)
        if member_id is None:
            member_id = self._resolve(cells)
            if len(self._members) < CACHE_LIMIT:
                self._members[member_key] = member_id
        span_key = (work_date, self.punch_key(cells))
        span = self._spans.get(span_key)
        if span is None:
            span = self._span(work_date, cells)
            if len(self._spans) > CACHE_LIMIT:
                self._spans.clear()
            self._spans[span_key] = span
        first_at, last_at, worked = span
        if self.worked_col is not None and _text(cells[self.worked_col]):
            worked = self.number(cells[self.worked_col])
        elif self.hours_col is not None and _text(cells[self.hours_col]):
            worked = self.number(cells[self.hours_col], hours=True)
        elif worked:
            worked = max(0, worked - self.breaks(member_id, work_date))
        status = self._statuses.get(
            (cells[self.status_col] if self.status_col is not None else "", span[0] is None, span[1] is None)
        )
        if status is None:
            status = self._status(cells, first_at, last_at)
        late = self.number(cells[self.late_col]) if self.late_col is not None else 0
        early = self.number(cells[self.early_col]) if self.early_col is not None else 0
        note = _text(cells[self.note_col]) if self.note_col is not None else ""
        if len(note) > NOTE_MAX:
            raise RowError("FIELD_TOO_LONG", f"The note is longer than {NOTE_MAX} characters.", "note")
        return (line, member_id, work_date, first_at, last_at, worked, late, early, status, note)

    def _resolve(self, cells: list) -> int:
        user_col, no_col, name_col = self.member_cols
        return self.members.resolve(
            _text(cells[user_col]) if user_col is not None else "",
            _text(cells[no_col]) if no_col is not None else "",
            _text(cells[name_col]) if name_col is not None else "",
        )

    def _span(self, work_date: date, cells: list) -> tuple[str | None, str | None, int]:
        first = self._bound(work_date, self.in_cols, cells, earliest=True, after=None)
        last = self._bound(work_date, self.out_cols, cells, earliest=False, after=first)
        first_at = last_at = None
        worked = 0
        if first is not None:
            first_at, first_epoch = self.instant(work_date, first)
        if last is not None:
            last_at, last_epoch = self.instant(work_date, last)
            if first is not None:
                if last_epoch < first_epoch:
                    raise RowError(
                        "CHECK_OUT_BEFORE_CHECK_IN", "The check-out is before the check-in.", "time"
                    )
                worked = (last_epoch - first_epoch) // 60
        return first_at, last_at, worked

    def _status(self, cells: list, first_at, last_at) -> str:
        raw = cells[self.status_col] if self.status_col is not None else ""
        status_text = _text(raw)
        if status_text:
            status = formats.status_from_label(status_text)
            if status is None:
                raise RowError("INVALID_STATUS", f"{status_text!r} is not a status we know.", "status")
        elif first_at and last_at:
            status = "normal"
        else:
            status = "partial" if first_at or last_at else "absent"
        if raw.__class__ is str and len(self._statuses) < 1000:
            self._statuses[(raw, first_at is None, last_at is None)] = status
        return status

    def _bound(
        self, work_date: date, columns: list[int], cells: list, *, earliest: bool, after
    ) -> int | None:
        """Seconds after local midnight of the work date of the earliest check-in / latest check-out.
        A bare check-out time earlier than the check-in belongs to the next day (night shift)."""
        best = None
        for index in columns:
            parsed = self.punch(cells[index])
            if parsed is None:
                continue
            offset, seconds, explicit_date = parsed
            if explicit_date is not None:
                seconds += (explicit_date - work_date).days * 86400
            elif offset is not None:
                seconds += offset * 86400
            elif after is not None and seconds < after:
                seconds += 86400
            if best is None or (seconds < best if earliest else seconds > best):
                best = seconds
        return best
