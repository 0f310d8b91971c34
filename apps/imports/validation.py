"""Turning a file's cells into daily-record values, one row at a time, fast.

The hot loop runs once per data row (500,000 of them in the benchmark), so parsed dates, times and
datetimes are memoised in plain dicts and errors are the exceptional path. Times become UTC strings in
the database's own text format, ready for COPY (PostgreSQL) or a bulk insert (SQLite).
"""

import math
import re
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter
from zoneinfo import ZoneInfo

from apps.access.models import Organization
from apps.imports import formats
from apps.imports.detection import Detection
from apps.imports.errors import RowError
from apps.imports.members import MemberIndex

EMPTY_MARKERS = {"", "-", "--", "—", "未打卡", "无", "none", "null"}
NOTE_MAX = 300
APPROVAL_MAX = 500
# A minutes cell (late, early leave, worked) is about one day: more is a wrong column or a typo, and a
# number past the record's integer columns would fail the whole COPY, not the row.
MINUTES_MAX = 24 * 60
YEARS = range(2000, 2101)
CACHE_LIMIT = 200_000
_DATE = re.compile(r"^(\d{2}|\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[\sT].*)?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_NEXT_DAY = re.compile(r"^次日\s*")
_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)\s*(分钟|分|min|小时|h)?$")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _bounded(minutes: float, cell) -> int:
    if not minutes <= MINUTES_MAX:  # also NaN and infinity (a cell of 400 digits is one)
        raise RowError("INVALID_NUMBER", f"{str(cell)[:40]} is more than a day ({MINUTES_MAX} minutes).")
    return round(minutes)


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
    (line, member_id, work_date, first_in_at, last_out_at, worked, late, early, status, note,
    approval_text, leave_minutes, overtime_minutes) — the last two None when the file does not say."""

    def __init__(
        self, *, detection: Detection, organization: Organization, members: MemberIndex, vendor: str,
        match_by_name: bool = False,
    ):  # fmt: skip
        self.columns = detection.columns
        self.members = members
        self.match_by_name = match_by_name
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
        self.approval_col = col("approval_text")
        # (minutes column, hours column) of the leave and the overtime; None: the file has neither.
        self.leave_cols = (col("leave_minutes"), col("leave_hours"))
        self.overtime_cols = (col("overtime_minutes"), col("overtime_hours"))
        self.has_leave = self.leave_cols != (None, None)
        self.has_overtime = self.overtime_cols != (None, None)
        # Only a cell parsed as a value can be a formula error: reference columns (name, group, department,
        # shift) are read as text and the note is stored as text (escaped by every export).
        self.formula_cols = sorted(
            index for key, index in self.columns.items() if key not in formats.TEXT_FIELDS
        )
        self.label_cols = [c for c in (self.date_col, *self.member_cols) if c is not None]
        self.member_key = _getter([c for c in self.member_cols if c is not None])
        self.punch_key = _getter(self.in_cols + self.out_cols)
        self.width = max(self.columns.values()) + 1

    # --- cells --------------------------------------------------------------------------------
    def _cell(self, cells: list, index: int | None):
        if index is None or index >= len(cells):
            return None
        return cells[index]

    def work_date(self, value) -> date:
        if isinstance(value, date):  # a workbook's date or datetime cell
            day = value.date() if isinstance(value, datetime) else value
            if day.year not in YEARS:
                raise RowError(
                    "INVALID_DATE", f"{day.isoformat()} is not a work date we import.", "work_date"
                )
            return day
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
        if parsed is None or parsed.year not in YEARS:
            raise RowError("INVALID_DATE", f"{text!r} is not a date (use 2026-03-02).", "work_date")
        if len(self._dates) < CACHE_LIMIT:
            self._dates[text] = parsed
        return parsed

    def punch(self, value) -> tuple[int | None, int, date | None] | None:
        """(explicit day offset or None, seconds of day, explicit date or None), or None for no punch."""
        if value is None:
            return None
        if isinstance(value, datetime):
            if value.year not in YEARS:
                raise RowError("INVALID_TIME", f"{value.isoformat()} is not a punch we import.", "time")
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
        """Minutes from a minutes (or, with `hours`, an hours) cell: 0 to MINUTES_MAX, else INVALID_NUMBER."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(value) or value < 0:
                raise RowError("INVALID_NUMBER", f"{value} is not a non-negative number.")
            return _bounded(value * 60 if hours else value, value)
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
        parsed = _bounded(amount * 60 if in_hours else amount, text)
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
        approval = _text(cells[self.approval_col]) if self.approval_col is not None else ""
        if len(approval) > APPROVAL_MAX:
            raise RowError(
                "FIELD_TOO_LONG",
                f"The approvals text is longer than {APPROVAL_MAX} characters.",
                "approval_text",
            )
        leave = self._amount(cells, self.leave_cols, "leave_minutes") if self.has_leave else None
        overtime = self._amount(cells, self.overtime_cols, "overtime_minutes") if self.has_overtime else None
        return (
            line, member_id, work_date, first_at, last_at, worked, late, early, status, note, approval, leave,
            overtime,
        )  # fmt: skip

    def _amount(self, cells: list, columns: tuple[int | None, int | None], field: str) -> int | None:
        """Minutes of leave or overtime from its minutes column, else its hours column; None when both
        cells are empty (the file says nothing of it that day)."""
        minutes_col, hours_col = columns
        for index, hours in ((minutes_col, False), (hours_col, True)):
            if index is None:
                continue
            value = cells[index]
            if value is None or (value.__class__ is str and value.strip().lower() in EMPTY_MARKERS):
                continue
            try:
                return self.number(value, hours=hours)
            except RowError as error:
                raise RowError(error.code, error.message, field) from None
        return None

    def is_totals_line(self, cells: list) -> bool:
        """DingTalk's totals and subtotal lines (合计, 总计, 小计, Total) in the date or a member column."""
        width = len(cells)
        return any(index < width and formats.is_totals_label(cells[index]) for index in self.label_cols)

    def member_cells(self, cells: list) -> tuple[str, str, str]:
        """(UserId, 工号, 姓名) as the row gives them ('' for a column the file lacks)."""
        width = len(cells)
        return tuple(
            _text(cells[index]) if index is not None and index < width else "" for index in self.member_cols
        )

    def _resolve(self, cells: list) -> int:
        return self.members.resolve(*self.member_cells(cells), by_name=self.match_by_name)

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
                days = (explicit_date - work_date).days
                if not -1 <= days <= 2:
                    raise RowError(
                        "INVALID_TIME",
                        f"A punch on {explicit_date} is not near the work date {work_date}.",
                        "time",
                    )
                seconds += days * 86400
            elif offset is not None:
                seconds += offset * 86400
            elif after is not None and seconds < after:
                seconds += 86400
            if best is None or (seconds < best if earliest else seconds > best):
                best = seconds
        return best
