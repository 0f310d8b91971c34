"""What an attendance file may contain: our fields, the headers that name them, and the status labels.

Our template uses the DingTalk daily-summary headers, so one alias table reads both. A DingTalk export
may carry any number of punch pairs (上班N打卡时间 / 下班N打卡时间); they map to check_in_N / check_out_N.
"""

import re
from dataclasses import dataclass

from apps.attendance.models import DailyRecord


@dataclass(frozen=True)
class Field:
    key: str
    header: str
    aliases: tuple[str, ...]
    description: str
    example: str = ""
    required: bool = False


FIELDS: tuple[Field, ...] = (
    Field(
        "work_date",
        "日期",
        ("考勤日期", "date", "work_date", "workdate"),
        "The work date: 2026-03-02, 2026/3/2 or 26-03-02 星期一.",
        "2026-03-02",
        required=True,
    ),
    Field(
        "employee_no",
        "工号",
        ("员工工号", "employee_no", "employeeno", "employee no"),
        "Employee number; one of UserId, 工号 or 姓名 identifies the member.",
        "E00012",
    ),
    Field("name", "姓名", ("员工姓名", "name"), "Name; a name two members share is a row error.", "张三"),
    Field(
        "user_id",
        "UserId",
        ("userid", "user_id", "钉钉id", "external_id", "externalid"),
        "DingTalk UserId (the member's external id).",
        "u0001",
    ),
    Field("group", "考勤组", ("attendance_group", "group"), "Attendance group (kept for reference).", ""),
    Field("department", "部门", ("department",), "Department (kept for reference).", ""),
    Field("shift", "班次", ("出勤班次", "shift"), "Shift name (kept for reference).", ""),
    Field(
        "check_in_1",
        "上班1打卡时间",
        ("上班打卡时间", "check_in", "first_in", "first_in_at"),
        "First check-in: 09:00, 2026-03-02 09:00 or 次日 06:05.",
        "09:00",
    ),
    Field(
        "check_out_1",
        "下班1打卡时间",
        ("下班打卡时间", "check_out", "last_out", "last_out_at"),
        "Last check-out; earlier than the check-in means the next day (night shift).",
        "18:00",
    ),
    Field(
        "status",
        "考勤结果",
        ("当天考勤情况", "status"),
        "正常/迟到/早退/迟到早退/缺卡/补卡/旷工/休息 or our status; empty: derived from the punches.",
        "正常",
    ),
    Field("note", "异常原因", ("备注", "note"), "A note kept with the record (300 characters).", ""),
    Field("late_minutes", "迟到时长", ("迟到分钟", "late_minutes"), "Minutes late.", "0"),
    Field("early_leave_minutes", "早退时长", ("早退分钟", "early_leave_minutes"), "Minutes left early.", "0"),
    Field(
        "worked_minutes",
        "实出勤分钟",
        ("worked_minutes",),
        "Minutes worked (default: check-out - check-in).",
        "",
    ),
    Field("worked_hours", "实出勤工时", ("worked_hours",), "Hours worked, if minutes are not given.", ""),
    Field(
        "approval_text",
        "关联的审批单",
        ("关联审批单", "审批单", "approval", "approval_text", "approvals"),
        "The day's approvals as DingTalk writes them (kept with the record as text, 500 characters).",
        "",
    ),
    Field(
        "leave_hours",
        "请假时长",
        ("请假小时", "请假(小时)", "请假时长(小时)", "leave_hours"),
        "Hours of leave that day (a bare number is hours; 30分钟 is minutes).",
        "",
    ),
    Field(
        "leave_minutes",
        "请假分钟",
        ("请假时长(分钟)", "leave_minutes"),
        "Minutes of leave that day, instead of hours.",
        "",
    ),
    Field(
        "overtime_hours",
        "加班时长",
        ("加班总时长", "加班小时", "加班(小时)", "加班时长(小时)", "加班总时长(小时)", "overtime_hours"),
        "Hours of overtime that day (a bare number is hours; 30分钟 is minutes).",
        "",
    ),
    Field(
        "overtime_minutes",
        "加班分钟",
        ("加班时长(分钟)", "overtime_minutes"),
        "Minutes of overtime that day, instead of hours.",
        "",
    ),
)
FIELD_KEYS = {field.key for field in FIELDS}
MEMBER_FIELDS = ("user_id", "employee_no", "name")
TEMPLATE_HEADERS = (
    "日期",
    "工号",
    "姓名",
    "UserId",
    "上班1打卡时间",
    "下班1打卡时间",
    "考勤结果",
    "异常原因",
)
TEMPLATE_EXAMPLE = ("2026-03-02", "E00012", "张三", "u0001", "09:00", "18:00", "正常", "")
# Read for reference or kept as text, never parsed as a value: a leading "=" there is text, not a formula.
TEXT_FIELDS = frozenset({"name", "group", "department", "shift", "note", "approval_text"})
TOTALS_LABELS = frozenset({"合计", "总计", "小计", "总合计", "total", "totals", "subtotal", "grand total"})
DINGTALK_MARKERS = {"group", "department", "shift", "check_in_2", "check_out_2", "approval_text"}
PUNCH_FIELD = re.compile(r"^check_(in|out)_(\d{1,2})$")
_PUNCH_HEADER = re.compile(r"^(上班|下班)(\d{1,2})打卡时间$")


_BRACKETS = str.maketrans({"\uff08": "(", "\uff09": ")"})


def canonical(header: object) -> str:
    """How a header cell is compared: trimmed, BOM and inner spaces dropped, full-width brackets as
    ASCII ones, lower-cased."""
    return re.sub(r"\s+", "", str(header or "")).lstrip("\ufeff").lower().translate(_BRACKETS)


_ALIASES: dict[str, str] = {}
for _field in FIELDS:
    for _name in (_field.header, *_field.aliases, _field.key):
        _ALIASES[canonical(_name)] = _field.key


def field_for_header(header: object) -> str | None:
    name = canonical(header)
    if name in _ALIASES:
        return _ALIASES[name]
    match = _PUNCH_HEADER.match(name) or re.match(r"^check_?(in|out)_?(\d{1,2})$", name)
    if match:
        direction = "in" if match.group(1) in {"上班", "in"} else "out"
        return f"check_{direction}_{int(match.group(2))}"
    return None


def is_totals_label(cell: object) -> bool:
    """A totals line's label: 合计, 总计, 小计, Total (with or without a colon)."""
    if not isinstance(cell, str) or len(cell) > 20:
        return False
    return cell.strip().rstrip(":：").strip().lower() in TOTALS_LABELS  # noqa: RUF001 - a full-width colon


def is_known_field(key: str) -> bool:
    return key in FIELD_KEYS or bool(PUNCH_FIELD.match(key))


# Our record statuses, as the attendance model defines them.
STATUSES = tuple(DailyRecord.Status.values)
STATUS_LABELS: dict[str, str] = {
    "正常": "normal",
    "迟到": "late",
    "早退": "early_leave",
    "迟到早退": "late_early",
    "缺卡": "partial",
    "补卡": "adjusted",
    "旷工": "absent",
    "休息": "off",
    "节假日": "holiday",
    "请假": "leave",
    **{status: status for status in STATUSES},
}
STATUS_LABEL_FOR = {value: label for label, value in STATUS_LABELS.items() if not label.isascii()}


def status_from_label(label: str) -> str | None:
    """Our status for a DingTalk result; compound results ("上班迟到3分钟,下班正常") read by their worst part."""
    text = label.strip().lower()
    if text in STATUS_LABELS:
        return STATUS_LABELS[text]
    if "旷工" in text:
        return "absent"
    if "缺卡" in text or "未打卡" in text:
        return "partial"
    late, early = "迟到" in text, "早退" in text
    if late and early:
        return "late_early"
    if late:
        return "late"
    if early:
        return "early_leave"
    if "补卡" in text:
        return "adjusted"
    if "休息" in text:
        return "off"
    if "正常" in text:
        return "normal"
    return None


def template_description() -> list[dict]:
    return [
        {
            "key": field.key,
            "header": field.header,
            "aliases": list(field.aliases),
            "required": field.required,
            "description": field.description,
            "example": field.example,
        }
        for field in FIELDS
    ]
