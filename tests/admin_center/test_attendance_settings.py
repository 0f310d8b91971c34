import re
from datetime import date, time
from decimal import Decimal

from apps.access import roles
from apps.access.models import Organization
from apps.attendance.models import AttendancePolicy, Holiday, LeaveType, Shift, Site
from apps.audit.models import OperationLog

URL = "/admin-center/settings/attendance/"


def test_adding_a_holiday_and_a_makeup_workday(admin, admin_client):
    response = admin_client.post(URL, {"day": "2026-10-01", "name": "National Day", "kind": "holiday"})
    assert response.status_code == 302
    admin_client.post(URL, {"day": "2026-09-27", "name": "Makeup", "kind": "makeup_workday"})
    listed = admin_client.get(URL, {"year": "2026"}).context["holidays"]
    assert [(h.date, h.kind) for h in listed] == [
        (date(2026, 9, 27), "makeup_workday"),
        (date(2026, 10, 1), "holiday"),
    ]


def test_a_holiday_without_a_name_shows_the_error_and_writes_nothing(admin, admin_client):
    response = admin_client.post(URL, {"day": "2026-10-01", "name": "", "kind": "holiday"})
    assert response.status_code == 400
    assert b'data-testid="field-error"' in response.content
    assert not Holiday.objects.exists()


def test_removing_a_holiday_twice_is_harmless(admin, admin_client):
    admin_client.post(URL, {"day": "2026-10-01", "name": "National Day", "kind": "holiday"})
    admin_client.post(URL + "holidays/remove/", {"day": "2026-10-01"})
    admin_client.post(URL + "holidays/remove/", {"day": "2026-10-01"})
    assert not Holiday.objects.exists()
    assert OperationLog.objects.filter(action="attendance.holiday.remove").count() == 1


def test_removing_leaves_another_organizations_calendar_alone(admin, admin_client, other_org):
    Holiday.objects.create(organization=other_org, date=date(2026, 10, 1), name="Theirs")
    admin_client.post(URL + "holidays/remove/", {"day": "2026-10-01"})
    assert Holiday.objects.filter(organization=other_org).exists()


def test_a_leave_type_is_added_once(admin, admin_client):
    data = {
        "code": "annual",
        "name": "Annual leave",
        "unit": "day",
        "yearly_allowance": "10",
        "is_paid": "on",
    }
    admin_client.post(URL + "leave-types/", data)
    admin_client.post(URL + "leave-types/", data)
    assert LeaveType.objects.filter(organization=admin.organization, code="annual").count() == 1
    response = admin_client.post(URL + "leave-types/", {**data, "code": "not a slug"})
    assert response.status_code == 400


def test_the_attendance_settings_are_admins_only(make_member, client_as):
    client = client_as(make_member("emma", roles.EMPLOYEE))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"day": "2026-10-01", "name": "X", "kind": "holiday"}).status_code == 403
    assert not Holiday.objects.exists()


RULES = URL + "shifts-and-sites/"


def test_adding_a_shift_and_making_it_the_default(admin, admin_client):
    data = {"form": "shift", "shift-name": "Day", "shift-start_time": "09:00", "shift-end_time": "18:00",
            "shift-break_minutes": "60", "shift-late_grace_minutes": "5"}  # fmt: skip
    assert admin_client.post(RULES, data).status_code == 302
    admin_client.post(RULES, data)  # a retry
    shift = Shift.objects.get(organization=admin.organization)
    assert shift.required_minutes == 480
    assert OperationLog.objects.filter(action="attendance.shift.create").count() == 1
    admin_client.post(RULES, {"form": "policy", "default_shift": shift.pk, "geofence": "strict"})
    policy = AttendancePolicy.objects.get(organization=admin.organization)
    assert (policy.default_shift_id, policy.geofence) == (shift.pk, "strict")


def test_the_default_shift_can_be_cleared_again(admin, admin_client, make_member, api_as):
    emma = make_member("emma", roles.EMPLOYEE)
    day = {"form": "shift", "shift-name": "Day", "shift-start_time": "09:00", "shift-end_time": "18:00",
           "shift-break_minutes": "60", "shift-late_grace_minutes": "5"}  # fmt: skip
    admin_client.post(RULES, day)
    shift = Shift.objects.get(organization=admin.organization)
    admin_client.post(RULES, {"form": "policy", "default_shift": shift.pk, "geofence": "flag"})
    monday = {"from": "2026-03-02", "to": "2026-03-02"}
    assert api_as(emma).get("/api/attendance/schedule", monday).json()[0]["shift"]["name"] == "Day"

    for _attempt in range(2):  # clearing twice leaves it cleared
        cleared = admin_client.post(RULES, {"form": "policy", "default_shift": "", "geofence": "flag"})
        assert cleared.status_code == 302
    policy = AttendancePolicy.objects.get(organization=admin.organization)
    assert (policy.default_shift_id, policy.geofence) == (None, "flag")
    assert api_as(emma).get("/api/attendance/schedule", monday).json()[0]["isWorkday"] is False
    assert "None: members without an assignment have rest days" in admin_client.get(RULES).content.decode()


def test_a_break_longer_than_the_shift_shows_the_message_and_writes_nothing(admin, admin_client):
    data = {"form": "shift", "shift-name": "Odd", "shift-start_time": "09:00", "shift-end_time": "10:00",
            "shift-break_minutes": "90", "shift-late_grace_minutes": "0"}  # fmt: skip
    response = admin_client.post(RULES, data)
    assert response.status_code == 400
    assert "The break must be shorter than the shift." in response.content.decode()
    assert not Shift.objects.exists()


def test_a_shift_shows_where_a_half_day_splits_and_refuses_a_split_outside_it(admin, admin_client):
    day = {"form": "shift", "shift-name": "Day", "shift-start_time": "09:00", "shift-end_time": "18:00",
           "shift-break_minutes": "60", "shift-late_grace_minutes": "5"}  # fmt: skip
    night = {**day, "shift-name": "Night", "shift-start_time": "22:00", "shift-end_time": "06:00",
             "shift-break_minutes": "30", "shift-half_day_at": "02:00"}  # fmt: skip
    assert admin_client.post(RULES, day).status_code == 302
    assert admin_client.post(RULES, night).status_code == 302
    rows = admin_client.get(RULES).content.decode()
    assert "13:30" in rows and "02:00" in rows  # the middle when empty, the set time otherwise
    assert Shift.objects.get(name="Night").half_day_at == time(2)

    for outside in ("18:00", "09:00", "19:30"):
        refused = admin_client.post(RULES, {**day, "shift-name": "Odd", "shift-half_day_at": outside})
        assert refused.status_code == 400
        assert "A half day must split the shift between 09:00 and 18:00." in refused.content.decode()
    refused = admin_client.post(RULES, {**night, "shift-name": "Odd", "shift-half_day_at": "07:00"})
    assert refused.status_code == 400
    assert not Shift.objects.filter(name="Odd").exists()


def test_another_organizations_shift_cannot_be_the_default(admin, admin_client, other_org):
    theirs = Shift.objects.create(
        organization=other_org, name="X", start_time=time(9), end_time=time(17), required_minutes=480
    )
    response = admin_client.post(RULES, {"form": "policy", "default_shift": theirs.pk, "geofence": "off"})
    assert response.status_code == 400
    assert not AttendancePolicy.objects.filter(organization=admin.organization, default_shift=theirs).exists()


def test_adding_a_site_and_refusing_an_impossible_one(admin, admin_client):
    data = {"form": "site", "site-name": "HQ", "site-latitude": "31.23", "site-longitude": "121.47",
            "site-radius_m": "200"}  # fmt: skip
    assert admin_client.post(RULES, data).status_code == 302
    assert admin_client.post(RULES, {**data, "site-latitude": "91"}).status_code == 400
    assert list(Site.objects.for_org(admin.organization).values_list("name", flat=True)) == ["HQ"]
    assert b'data-testid="site-row"' in admin_client.get(RULES).content


def test_changing_the_timezone_and_refusing_an_unknown_one(admin, admin_client):
    admin_client.post(URL + "timezone/", {"timezone": "Europe/Berlin"})
    admin_client.post(URL + "timezone/", {"timezone": "Europe/Berlin"})  # a retry
    assert Organization.objects.get(pk=admin.organization.pk).timezone == "Europe/Berlin"
    assert OperationLog.objects.filter(action="attendance.organization_timezone.update").count() == 1
    response = admin_client.post(URL + "timezone/", {"timezone": "Mars/Olympus"}, follow=True)
    assert "Choose a timezone from the list" in response.content.decode()
    assert Organization.objects.get(pk=admin.organization.pk).timezone == "Europe/Berlin"


def test_retiring_a_site_once_and_another_organizations_site_is_404(admin, admin_client, other_org):
    site = Site.objects.create(
        organization=admin.organization, name="HQ", latitude=1, longitude=1, radius_m=100
    )
    theirs = Site.objects.create(organization=other_org, name="X", latitude=1, longitude=1, radius_m=100)
    admin_client.post(f"{URL}sites/{site.pk}/retire/")
    admin_client.post(f"{URL}sites/{site.pk}/retire/")
    assert not Site.objects.get(pk=site.pk).is_active
    assert OperationLog.objects.filter(action="attendance.site.deactivate").count() == 1
    assert admin_client.post(f"{URL}sites/{theirs.pk}/retire/").status_code == 404
    assert Site.objects.get(pk=theirs.pk).is_active


def test_editing_a_leave_type_allowance(admin, admin_client, other_org):
    annual = LeaveType.objects.create(organization=admin.organization, code="annual", name="Annual")
    theirs = LeaveType.objects.create(organization=other_org, code="annual", name="Annual")
    admin_client.post(f"{URL}leave-types/{annual.pk}/allowance/", {"yearly_allowance": "12.5"})
    assert LeaveType.objects.get(pk=annual.pk).yearly_allowance == Decimal("12.50")
    response = admin_client.post(
        f"{URL}leave-types/{annual.pk}/allowance/", {"yearly_allowance": "-1"}, follow=True
    )
    assert "between 0 and 9999" in response.content.decode()
    response = admin_client.post(
        f"{URL}leave-types/{annual.pk}/allowance/", {"yearly_allowance": "x"}, follow=True
    )
    assert "must be a number" in response.content.decode()
    assert LeaveType.objects.get(pk=annual.pk).yearly_allowance == Decimal("12.50")
    assert (
        admin_client.post(f"{URL}leave-types/{theirs.pk}/allowance/", {"yearly_allowance": "3"}).status_code
        == 404
    )
    assert LeaveType.objects.get(pk=theirs.pk).yearly_allowance == 0


def test_the_holiday_list_query_count_is_flat(admin, admin_client, django_assert_max_num_queries):
    for day in range(1, 29):
        Holiday.objects.create(organization=admin.organization, date=date(2026, 2, day), name=f"H{day}")
    with django_assert_max_num_queries(9):  # + the navigation's pending count
        response = admin_client.get(URL, {"year": "2026"})
    assert len(response.context["holidays"]) == 28


def test_a_new_leave_type_says_what_it_credited_and_keeps_its_accrual_rules(admin, admin_client, make_member):
    emma = make_member("emma")
    data = {
        "code": "annual",
        "name": "Annual leave",
        "unit": "day",
        "yearly_allowance": "10",
        "is_paid": "on",
        "accrual_pro_rata": "on",
        "carry_forward_cap": "5",
    }
    page = admin_client.post(URL + "leave-types/", data, follow=True).content.decode()
    assert "10 day(s) of Annual leave credited to every active member for this year." in page
    assert "At most 5" in page and "Pro rata for joiners" in page
    annual = LeaveType.objects.get(organization=admin.organization, code="annual")
    assert (annual.accrual_pro_rata, annual.carry_forward_cap) == (True, Decimal("5.00"))
    assert emma.leave_ledger.filter(kind="accrual").exists()

    unpaid = {
        "code": "unpaid",
        "name": "Unpaid",
        "unit": "day",
        "yearly_allowance": "0",
        "allow_negative": "on",
    }
    page = admin_client.post(URL + "leave-types/", unpaid, follow=True).content.decode()
    assert "No limit" in page


def test_an_admin_adjusts_a_balance_with_a_reason_and_a_bad_one_writes_nothing(
    admin, admin_client, make_member
):
    from apps.attendance import services

    emma = make_member("emma", display_name="Emma Employee")
    annual = services.leave_type_create(
        organization=admin.organization, code="annual", name="Annual", yearly_allowance=10
    )
    body = {"member": emma.pk, "leave_type": annual.pk, "amount": "2.5", "note": "Worked the holiday"}
    page = admin_client.post(URL + "leave-types/adjust/", body, follow=True).content.decode()
    assert "Emma Employee&#x27;s Annual balance is now 12.50." in page
    entry = emma.leave_ledger.get(kind="adjustment")
    assert (entry.amount, entry.note) == (Decimal("2.50"), "Worked the holiday")
    assert OperationLog.objects.filter(action="attendance.leave.balance_adjust").count() == 1

    for bad in (
        {**body, "note": ""},
        {**body, "amount": "0"},
        {**body, "amount": "1e9"},
        {**body, "member": 999999},
    ):
        assert admin_client.post(URL + "leave-types/adjust/", bad).status_code == 400, bad
    assert emma.leave_ledger.filter(kind="adjustment").count() == 1


def test_unlimited_leave_shows_no_limit_to_the_employee(admin, make_member, client):
    from apps.attendance import services

    emma = make_member("emma")
    services.leave_type_create(
        organization=admin.organization,
        code="unpaid",
        name="Unpaid leave",
        is_paid=False,
        allow_negative=True,
    )
    client.force_login(emma.user)
    html = client.get("/attendance/").content.decode()
    assert "No limit" in html
    assert "-1" not in html.split('data-testid="balance-unpaid"')[1].split("</tr>")[0]


def test_an_admin_enters_a_holiday_and_a_leave_type_in_both_languages(admin, admin_client, client_as):
    form = admin_client.get(URL).content.decode()
    assert "Name in English" in form and "Name in Chinese" in form
    chinese = client_as(admin)
    chinese.cookies["django_language"] = "zh-hans"
    assert "中文名称" in chinese.get(URL).content.decode()

    admin_client.post(
        URL, {"day": "2026-10-01", "name": "National Day", "name_zh": "国庆节", "kind": "holiday"}
    )
    holiday = Holiday.objects.get()
    assert (holiday.name, holiday.name_zh) == ("National Day", "国庆节")
    listed = admin_client.get(URL, {"year": "2026"}).content.decode()
    assert "National Day" in listed and "国庆节" in listed

    data = {
        "code": "marriage",
        "name": "Marriage leave",
        "name_zh": "婚假",
        "unit": "day",
        "yearly_allowance": "3",
    }
    assert admin_client.post(URL + "leave-types/", data).status_code == 302
    leave_type = LeaveType.objects.get(code="marriage")
    assert (leave_type.name, leave_type.name_zh) == ("Marriage leave", "婚假")
    page = admin_client.get(URL + "leave-types/").content.decode()
    assert "Marriage leave" in page and "婚假" in page
    # The Chinese name may stay empty.
    admin_client.post(URL + "leave-types/", {**data, "code": "study", "name": "Study leave", "name_zh": ""})
    assert LeaveType.objects.get(code="study").name_zh == ""


def test_an_existing_leave_type_gets_its_chinese_name_and_a_too_long_one_writes_nothing(
    admin, admin_client, client_as, make_member
):
    annual = LeaveType.objects.create(
        organization=admin.organization, code="annual", name="Annual leave", yearly_allowance=Decimal("10")
    )
    employee = make_member(roles.EMPLOYEE)
    edit = f"{URL}leave-types/{annual.pk}/allowance/"
    page = admin_client.get(URL + "leave-types/").content.decode()
    assert f'form="lt-{annual.pk}" name="name_zh"' in page

    response = admin_client.post(edit, {"yearly_allowance": "10", "name_zh": " 年假 "}, follow=True)
    assert "Leave type saved." in response.content.decode()
    annual.refresh_from_db()
    assert (annual.name_zh, annual.yearly_allowance) == ("年假", Decimal("10"))
    entry = OperationLog.objects.filter(action="attendance.leave_type.update").get()
    assert entry.details == {"nameZh": {"before": "", "after": "年假"}}

    chinese = client_as(employee)
    chinese.cookies["django_language"] = "zh-hans"
    assert "年假" in chinese.get("/attendance/").content.decode()

    response = admin_client.post(edit, {"yearly_allowance": "12", "name_zh": "年" * 101}, follow=True)
    assert "Name in Chinese" in response.content.decode()
    annual.refresh_from_db()
    assert (annual.name_zh, annual.yearly_allowance) == ("年假", Decimal("10"))
    assert OperationLog.objects.filter(action="attendance.leave_type.update").count() == 1

    # A form without the field (an older page, a script) leaves the Chinese name as it is.
    admin_client.post(edit, {"yearly_allowance": "12"})
    annual.refresh_from_db()
    assert (annual.name_zh, annual.yearly_allowance) == ("年假", Decimal("12"))


def test_leave_units_are_in_the_readers_language(admin, client_as, make_member):
    from apps.attendance import services

    for code, unit in (("annual", "day"), ("sick", "half_day"), ("care", "hour")):
        services.leave_type_create(
            organization=admin.organization, code=code, name=code.title(), unit=unit, yearly_allowance=5
        )
    chinese = client_as(admin)
    chinese.cookies["django_language"] = "zh-hans"
    page = chinese.get(URL + "leave-types/").content.decode()
    units = re.findall(r'name="name_zh"[^>]*></td><td[^>]*>([^<]*)</td>', page)
    assert units == ["天", "小时", "半天"]  # Annual, Care, Sick: by name
    options = dict(re.findall(r'<option value="(day|half_day|hour)"[^>]*>([^<]*)</option>', page))
    assert options == {"day": "天", "half_day": "半天", "hour": "小时"}
    english = client_as(admin).get(URL + "leave-types/").content.decode()
    assert re.findall(r'name="name_zh"[^>]*></td><td[^>]*>([^<]*)</td>', english) == [
        "Day",
        "Hour",
        "Half day",
    ]

    emma = make_member("emma")
    employee = client_as(emma)
    employee.cookies["django_language"] = "zh-hans"
    balances = employee.get("/attendance/").content.decode()
    annual = balances.split('data-testid="balance-annual"')[1].split("</tr>")[0]
    assert '<span class="muted">天</span>' in annual
    care = balances.split('data-testid="balance-care"')[1].split("</tr>")[0]
    assert '<span class="muted">小时</span>' in care


def test_the_calendar_and_geofence_choices_and_name_columns_are_in_chinese(admin, client_as):
    chinese = client_as(admin)
    chinese.cookies["django_language"] = "zh-hans"
    holidays = chinese.get(URL).content.decode()
    kinds = dict(re.findall(r'<option value="(holiday|makeup_workday)"[^>]*>([^<]*)</option>', holidays))
    assert kinds == {"holiday": "节假日", "makeup_workday": "调休工作日"}
    rules = chinese.get(RULES).content.decode()
    modes = dict(re.findall(r'<option value="(off|flag|strict)"[^>]*>([^<]*)</option>', rules))
    assert modes == {
        "off": "关闭：在任何位置打卡都有效",  # noqa: RUF001 - Chinese punctuation
        "flag": "接受不在任何地点范围内的打卡，并加以标记",  # noqa: RUF001
        "strict": "拒绝不在任何地点范围内的打卡",
    }
    # A shift, a site, a holiday and a leave type have a 名称; 姓名 is a person's name.
    assert "姓名" not in rules and "名称" in rules
    Holiday.objects.create(organization=admin.organization, date=date(2026, 10, 1), name="National Day")
    assert "<th>名称</th>" in chinese.get(URL, {"year": "2026"}).content.decode()
