"""The employee's Today panel on /attendance/: today's shift, a running timer while clocked in (started by
the page script from the server's times), and this week's hours as a server-rendered SVG bar chart. The
clock stands at Wednesday 4 March 2026, 10:00 in Shanghai (conftest)."""

import re

import pytest
import time_machine

from apps.access import roles
from apps.attendance import services
from apps.attendance.models import ALL_WEEKDAYS
from tests.attendance.conftest import at
from tests.attendance_pages.conftest import post

pytestmark = pytest.mark.django_db

HOME = "/attendance/"


def punch_at(member, when: str, kind: str):
    with time_machine.travel(at(when), tick=False):
        services.punch_create(member=member, kind=kind, source="web")


def today_panel(client) -> str:
    page = client.get(HOME).content.decode()
    return page.split('data-testid="today"', 1)[1].split("</section>", 1)[0]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\N{EN DASH}", "-").strip()


def bars(panel: str) -> dict[str, int]:
    return {
        day: int(minutes)
        for day, minutes in re.findall(r'data-testid="bar-([\d-]+)" data-minutes="(\d+)"', panel)
    }


def test_today_shows_the_shift_and_a_timer_running_since_the_check_in(signed_in, team):
    punch_at(team["emma"], "2026-03-04 08:52", "in")

    panel = today_panel(signed_in(team["emma"]))

    shift = re.search(r'data-testid="today-shift">(.*?)</p>', panel, flags=re.S).group(1)
    assert text(shift) == "Today's shift 09:00-18:00"
    timer = re.search(r'<time class="timer-value"([^>]*)>([^<]*)</time>', panel)
    # The server renders when the stretch began and its own clock; the script only keeps counting.
    assert f'data-timer-since="{int(at("2026-03-04 08:52").timestamp())}"' in timer.group(1)
    assert f'data-server-now="{int(at("2026-03-04 10:00").timestamp())}"' in timer.group(1)
    assert timer.group(2) == "1:08:00"
    assert "since 08:52" in text(panel)
    assert "<script" not in panel and "style=" not in panel


def test_no_timer_before_the_check_in_or_after_the_check_out(signed_in, team, frozen_now):
    client = signed_in(team["emma"])
    assert 'data-testid="timer"' not in today_panel(client)

    punch_at(team["emma"], "2026-03-04 08:52", "in")
    punch_at(team["emma"], "2026-03-04 09:40", "out")

    assert 'data-testid="timer"' not in today_panel(client)


def test_this_weeks_hours_are_bars_from_monday_to_sunday(signed_in, team):
    emma = team["emma"]
    punch_at(emma, "2026-03-02 09:00", "in")
    punch_at(emma, "2026-03-02 18:30", "out")  # 9:30 less the hour's break: 8:30
    punch_at(emma, "2026-03-03 09:00", "in")
    punch_at(emma, "2026-03-03 13:00", "out")  # 3:00
    punch_at(emma, "2026-03-04 09:15", "in")  # clocked in: 45 minutes so far at 10:00

    panel = today_panel(signed_in(emma))

    assert bars(panel) == {
        "2026-03-02": 510,
        "2026-03-03": 180,
        "2026-03-04": 45,
        "2026-03-05": 0,
        "2026-03-06": 0,
        "2026-03-07": 0,
        "2026-03-08": 0,
    }
    assert re.search(r'class="bar is-today is-running" data-testid="bar-2026-03-04"', panel)
    assert "12:15 h worked" in text(re.search(r'data-testid="week-total">(.*?)</strong>', panel).group(1))
    svg = re.search(r"<svg.*?</svg>", panel, flags=re.S).group(0)
    assert 'role="img"' in svg and "Hours worked each day this week" in svg
    # Monday's bar is the tallest and taller than Tuesday's (the scale is the same for every bar).
    heights = dict(re.findall(r'data-testid="bar-([\d-]+)".*?height="(\d+)"', svg, flags=re.S))
    assert int(heights["2026-03-02"]) > int(heights["2026-03-03"]) > int(heights["2026-03-04"]) > 0
    assert "8:30" in svg and "3:00" in svg


def test_a_rest_day_and_a_night_shift_say_so(signed_in, team, make_member, night_shift, frozen_now):
    frozen_now.move_to(at("2026-03-07 10:00"))  # a Saturday
    assert "Rest day: no shift today" in text(today_panel(signed_in(team["emma"])))

    sam = make_member("sam", roles.EMPLOYEE)
    services.shift_assignment_create(member=sam, shift=night_shift, weekdays=ALL_WEEKDAYS)
    shift = re.search(r'data-testid="today-shift">(.*?)</p>', today_panel(signed_in(sam)), flags=re.S)
    assert text(shift.group(1)) == "Today's shift 22:00-06:00 +1 (the next day)"


def test_the_today_panel_in_chinese(signed_in, team):
    punch_at(team["emma"], "2026-03-04 08:52", "in")

    panel = text(today_panel(signed_in(team["emma"], "zh-hans")))

    assert "今日班次 09:00-18:00" in panel
    assert "已上班 1:08:00" in panel and "本周" in panel


def test_the_today_section_alone_has_the_timer_and_the_chart(signed_in, team):
    punch_at(team["emma"], "2026-03-04 08:52", "in")

    section = (
        signed_in(team["emma"]).get(HOME, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="today").content.decode()
    )

    assert section.startswith('<section id="today"') or '<section id="today"' in section[:200]
    assert 'data-testid="timer"' in section and 'data-testid="week-chart"' in section


# --- the inbox after its last request is decided ---------------------------------------------------------


def missed_out(member, day: str = "2026-03-03"):
    return services.adjustment_request_create(
        member=member,
        kind="missed_check_out",
        work_date=at(f"{day} 00:00").date(),
        requested_out_at=at(f"{day} 18:05"),
        reason="Forgot",
    ).obj


def leave(member):
    return services.leave_request_create(
        member=member,
        leave_type="annual",
        start_date=at("2026-03-09 00:00").date(),
        end_date=at("2026-03-09 00:00").date(),
    ).obj


def decide(client, kind: str, pk: int, verb: str = "approve", comment: str = ""):
    return post(
        client, f"/attendance/approvals/{kind}/{pk}/{verb}/", {f"{kind}-{pk}-comment": comment}, htmx=True
    )


def test_deciding_the_last_request_of_a_table_removes_the_table(signed_in, team, leave_types):
    adjustment, emmas_leave = missed_out(team["emma"]), leave(team["emma"])
    client = signed_in(team["approver"])

    response = decide(client, "adjustment", adjustment.pk)

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#adjustment-section" and response["HX-Reswap"] == "outerHTML"
    body = response.content.decode()
    assert "<table" not in body and "Approved the request of Emma." in body
    # The navigation's count follows, swapped in place.
    assert re.search(r'id="nav-approvals" hx-swap-oob="true">Approvals <span class="nav-count"[^>]*>1<', body)

    last = decide(client, "leave", emmas_leave.pk, "reject", comment="Busy week")

    assert last["HX-Retarget"] == "#inbox"
    body = last.content.decode()
    assert 'data-testid="inbox-empty"' in body and "<thead" not in body
    assert "Rejected the request of Emma." in body
    assert re.search(r'id="nav-approvals" hx-swap-oob="true">Approvals</a>', body)


def test_deciding_one_of_several_removes_only_its_row(signed_in, team):
    first = missed_out(team["emma"])
    missed_out(team["wang"])

    response = decide(signed_in(team["approver"]), "adjustment", first.pk)

    assert "HX-Retarget" not in response
    assert re.search(r'data-testid="pending-count">1<', response.content.decode())


def test_after_the_last_decision_the_inbox_page_has_no_empty_table(signed_in, team):
    only = missed_out(team["emma"])
    client = signed_in(team["approver"])
    post(client, f"/attendance/approvals/adjustment/{only.pk}/approve/", {})

    page = client.get("/attendance/approvals/").content.decode()

    assert "<table" not in page and "No request of your team is waiting for a decision." in page


def test_overtime_counts_and_its_last_decision_leaves_no_table(signed_in, team):
    overtime = services.overtime_request_create(
        member=team["emma"], work_date=at("2026-03-03 00:00").date(), minutes=90, reason="Stocktaking"
    ).obj
    missed_out(team["wang"])
    client = signed_in(team["approver"])
    assert re.search(r'data-testid="pending-count">2<', client.get("/attendance/approvals/").content.decode())

    response = decide(client, "overtime", overtime.pk)

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#overtime-section"
    assert re.search(r'data-testid="pending-count">1<', response.content.decode())
