from apps.access import roles
from apps.access.models import Organization
from apps.access.retention import retention_policy
from apps.audit.models import OperationLog
from apps.audit.services import audit_record
from tests.factories import PASSWORD


def _entries(org, count, action="demo.thing.touch"):
    for n in range(count):
        audit_record(action=action, actor=None, organization=org, target=org, details={"n": n})


def test_the_audit_list_filters_by_action_prefix(admin, admin_client):
    _entries(admin.organization, 3)
    _entries(admin.organization, 2, action="other.thing.do")
    response = admin_client.get("/admin-center/audit/", {"action": "demo."})
    assert [e.action for e in response.context["entries"]] == ["demo.thing.touch"] * 3
    assert "action=demo." in response.context["export_url"]


def test_the_audit_list_pages_by_sequence_without_repeats(admin, admin_client, django_assert_max_num_queries):
    _entries(admin.organization, 60)
    with django_assert_max_num_queries(9):  # + the navigation's pending count
        first = admin_client.get("/admin-center/audit/", {"action": "demo."})
    assert len(first.context["entries"]) == 50
    second = admin_client.get("/admin-center/audit/?" + first.context["next_query"])
    assert len(second.context["entries"]) == 10
    seen = [e.pk for e in first.context["entries"]] + [e.pk for e in second.context["entries"]]
    assert len(set(seen)) == 60
    assert second.context["next_query"] == ""


def test_a_bad_date_filter_shows_a_message(admin_client):
    response = admin_client.get("/admin-center/audit/", {"from": "yesterday"})
    assert response.status_code == 400
    assert "must be a date" in response.context["error"]


def test_an_entry_shows_its_details_and_the_model_diffs(admin, admin_client, make_member):
    emma = make_member("emma", roles.EMPLOYEE)
    admin_client.post(f"/admin-center/users/{emma.user_id}/", {"action": "deactivate"})
    entry = OperationLog.objects.filter(action="access.member.deactivate").get()
    response = admin_client.get(f"/admin-center/audit/{entry.pk}/")
    assert response.status_code == 200
    assert '"username": "emma"' in response.context["details"]
    rows = [row for diff in response.context["diffs"] for row in diff["changes"]]
    assert ("Is active", "True", "False") in rows  # the field in words, not its attribute name


def test_an_entry_names_who_and_what_in_words_and_folds_the_codes_away(admin, admin_client, make_member):
    emma = make_member("emma", roles.EMPLOYEE, display_name="Emma Employee")
    admin_client.post(f"/admin-center/users/{emma.user_id}/", {"action": "deactivate"})
    entry = OperationLog.objects.filter(action="access.member.deactivate").get()
    page = admin_client.get(f"/admin-center/audit/{entry.pk}/").content.decode()
    shown, technical = page.split('data-testid="entry-technical"')
    assert f"<dd>{admin.name}</dd>" in shown and "<dd>Emma Employee</dd>" in shown
    for code in ("access.member.deactivate", f"access.membership:{emma.pk}", "is_active", "(id "):
        assert code not in shown, code
    assert "access.member.deactivate" in technical and f"access.membership:{emma.pk}" in technical
    assert "Asia/Shanghai" in shown or str(admin.organization.tzinfo) in shown


def test_another_organizations_entry_is_404(admin_client, other_org):
    _entries(other_org, 1)
    entry = OperationLog.objects.get(organization=other_org)
    assert admin_client.get(f"/admin-center/audit/{entry.pk}/").status_code == 404


def test_checking_the_chain_reports_intact_then_the_altered_entry(admin, admin_client):
    _entries(admin.organization, 3)
    response = admin_client.post("/admin-center/audit/chain/", follow=True)
    assert response.context["chain"]["ok"] is True
    assert admin_client.get("/admin-center/").context["chain"]["ok"] is True
    victim = OperationLog.objects.filter(organization=admin.organization).order_by("sequence")[1]
    OperationLog.objects.filter(pk=victim.pk).update(details={"n": 999})
    response = admin_client.post("/admin-center/audit/chain/", headers={"HX-Request": "true"})
    assert b'data-status="broken"' in response.content
    assert f"entry {victim.sequence}" in response.content.decode()


def test_saving_an_allowlist_with_the_own_address_works_and_shows_it(admin, admin_client):
    response = admin_client.post(
        "/admin-center/settings/ip-allowlist/", {"admin": "127.0.0.1\n10.0.0.0/8"}, follow=True
    )
    assert "IP allowlist saved." in response.content.decode()
    assert "127.0.0.1 — it is in the list" in response.content.decode()
    org = Organization.objects.get(pk=admin.organization.pk)
    assert org.settings["ipAllowlist"]["admin"] == ["127.0.0.1/32", "10.0.0.0/8"]


def test_an_allowlist_that_locks_the_admin_out_is_refused(admin, admin_client):
    response = admin_client.post("/admin-center/settings/ip-allowlist/", {"admin": "10.0.0.0/8"}, follow=True)
    assert "would lock you out" in response.content.decode()
    assert "ipAllowlist" not in Organization.objects.get(pk=admin.organization.pk).settings


def test_a_bad_allowlist_entry_is_named(admin, admin_client):
    response = admin_client.post("/admin-center/settings/ip-allowlist/", {"admin": "not-an-ip"}, follow=True)
    assert "not-an-ip is not an IPv4/IPv6 address" in response.content.decode()


def test_retention_saves_and_refuses_out_of_range(admin, admin_client):
    admin_client.post(
        "/admin-center/settings/retention/", {"operation_log_days": "400", "attendance_days": "800"}
    )
    admin_client.post(
        "/admin-center/settings/retention/", {"operation_log_days": "400", "attendance_days": "800"}
    )
    assert retention_policy(Organization.objects.get(pk=admin.organization.pk)).operation_log_days == 400
    response = admin_client.post(
        "/admin-center/settings/retention/", {"operation_log_days": "3"}, follow=True
    )
    assert "between 30 and 3650" in response.content.decode()
    stored = Organization.objects.get(pk=admin.organization.pk).settings["retention"]
    assert stored == {"operationLogDays": 400, "attendanceDays": 800}


def test_saving_the_same_allowlist_twice_records_one_change(admin, admin_client):
    for _ in range(2):
        admin_client.post("/admin-center/settings/ip-allowlist/", {"admin": "127.0.0.1"})
    assert OperationLog.objects.filter(action="access.ip_allowlist.update").count() == 1


def test_a_sign_in_entry_names_the_account_by_its_owner(admin, admin_client):
    admin_client.logout()
    admin_client.post("/accounts/login/", {"username": admin.user.username, "password": PASSWORD})
    entry = OperationLog.objects.filter(action="access.session.login").latest("sequence")
    page = admin_client.get(f"/admin-center/audit/{entry.pk}/").content.decode()
    shown = page.split('data-testid="entry-technical"')[0]
    assert f"<dt>Target</dt><dd>{admin.name}</dd>" in shown, shown[-1500:]
