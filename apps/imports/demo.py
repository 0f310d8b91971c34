"""Demo data for `manage.py demo_seed`: the team's last two weeks, imported from a DingTalk export.

The history goes in the way an importer's would: a DingTalk daily summary (GB18030, title rows, Chinese
headers, `26-11-16 星期一` dates, a night shift's `次日` check-out) is uploaded and committed through the
import services as the demo importer, so the employee sees records, the importer a batch to roll back, and
the approver a correction to decide: the employee's day without a check-out (缺卡) has a pending missed
check-out request, and `li.na` asks for two days of leave next week. Registered as a demo seeder in
ImportsConfig.ready(); runs once per organization (the batch's idempotency key tells it ran), all inside
demo_seed's transaction.
"""

import hashlib
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from apps.access.models import Membership, Organization
from apps.attendance import services as attendance
from apps.imports.models import ImportBatch
from apps.imports.services.commits import batch_commit_request, batch_commit_run
from apps.imports.services.tokens import commit_token_create
from apps.imports.services.uploads import upload_create_from_chunks

HISTORY_DAYS = 14
BATCH_KEY = "demo-seed-history"
TEAM = ("employee", "wang.lei", "li.na", "sam.night")
NIGHT = {"sam.night"}
HEADER = (
    "日期",
    "工号",
    "姓名",
    "考勤组",
    "部门",
    "班次",
    "上班1打卡时间",
    "下班1打卡时间",
    "考勤结果",
    "异常原因",
)
WEEKDAYS = "一二三四五六日"


def dingtalk_export(
    *, members: list[Membership], start: date, days: int, missed_out: date | None = None
) -> bytes:
    """A DingTalk daily summary of `days` days from `start` for `members`, as DingTalk writes it (GB18030).

    Day-shift members arrive a few minutes either side of 09:00 and leave after 18:00; the second member is
    late on the third working day; the first member has no check-out on `missed_out` (缺卡); night-shift
    members work 22:00-06:00. Weekends are rest days (休息). The minutes vary but are the same every run.
    """
    end = start + timedelta(days=days - 1)
    lines = [
        "每日统计表",
        f"统计日期：{start.isoformat()} 至 {end.isoformat()}",  # noqa: RUF001 - DingTalk writes a full-width colon
        ",".join(HEADER),
    ]
    workday = 0
    for offset in range(days):
        day = start + timedelta(days=offset)
        label = f"{day:%y-%m-%d} 星期{WEEKDAYS[day.weekday()]}"
        weekend = day.weekday() >= 5
        workday += not weekend
        for index, member in enumerate(members):
            night = member.user.username in NIGHT
            common = [
                label,
                member.employee_no,
                member.display_name,
                "夜班" if night else "白班",
                member.department,
            ]
            if weekend:
                lines.append(",".join([*common, "休息", "", "", "休息", ""]))
                continue
            jitter = _jitter(member.employee_no, day)
            if night:
                row = ["22:00-06:00", f"21:{50 + jitter:02d}", f"次日 06:{jitter:02d}", "正常", ""]
            elif index == 0 and day == missed_out:
                row = ["09:00-18:00", f"08:{50 + jitter:02d}", "", "缺卡", "下班缺卡"]
            elif index == 1 and workday == 3:
                row = ["09:00-18:00", "09:17", f"18:{jitter:02d}", "迟到", "上班迟到17分钟"]
            else:
                row = ["09:00-18:00", f"08:{50 + jitter:02d}", f"18:{jitter:02d}", "正常", ""]
            lines.append(",".join([*common, *row]))
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def _jitter(employee_no: str, day: date) -> int:
    """0-9 minutes, fixed for a member and a day."""
    return hashlib.sha256(f"{employee_no}:{day.isoformat()}".encode()).digest()[0] % 10


def seed_demo_imports(*, organization: Organization, memberships: dict[str, Membership]) -> None:
    importer = memberships.get("importer")
    team = [memberships[name] for name in TEAM if name in memberships]
    if importer is None or not team:
        return
    if ImportBatch.objects.filter(organization=organization, idempotency_key=BATCH_KEY).exists():
        return  # seeded before: the stories below were told then, about the days of that history
    today = timezone.localdate(timezone.now(), organization.tzinfo)
    start = today - timedelta(days=HISTORY_DAYS)
    missed_out = _last_workday(before=today - timedelta(days=1))
    data = dingtalk_export(members=team, start=start, days=HISTORY_DAYS, missed_out=missed_out)
    upload = upload_create_from_chunks(member=importer, chunks=[data], filename="dingtalk-demo.csv")
    _token, raw = commit_token_create(member=importer, upload=upload, mapping={})
    request = batch_commit_request(
        member=importer, commit_token=raw, idempotency_key=BATCH_KEY, run_async=False
    )
    batch_commit_run(job_id=request.job.pk)
    employee = memberships.get("employee")
    if employee is not None and employee is team[0]:
        attendance.adjustment_request_create(
            member=employee,
            kind="missed_check_out",
            work_date=missed_out,
            reason="Forgot to clock out; left at 18:00.",
            requested_out_at=datetime.combine(missed_out, time(18), tzinfo=organization.tzinfo),
            idempotency_key="demo-seed-missed-out",
        )
    li_na = memberships.get("li.na")
    monday = today + timedelta(days=7 - today.weekday())
    if li_na is not None and monday.year == today.year:  # the balances are accrued for this year
        attendance.leave_request_create(
            member=li_na,
            leave_type="annual",
            start_date=monday,
            end_date=monday + timedelta(days=1),
            reason="Family visit.",
            idempotency_key="demo-seed-leave",
        )


def _last_workday(*, before: date) -> date:
    day = before
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day
