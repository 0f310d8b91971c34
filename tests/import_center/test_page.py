"""The Import Center page through the Django client: who may open it, what the server renders for the
script (endpoints, texts), the batch history and its htmx fragment, the export form, Chinese, queries."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from pytest_django.asserts import assertTemplateUsed

from apps.access import roles
from apps.imports.models import ImportBatch
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/import-center/"


def _batch(org, user, **fields) -> ImportBatch:
    values = {
        "organization": org,
        "created_by": user,
        "filename": "dingtalk.csv",
        "fingerprint": "f" * 64,
        "status": ImportBatch.Status.COMPLETED,
        "created_at": timezone.now(),
        "total_rows": 10,
        "created_count": 7,
        "updated_count": 2,
        "unchanged_count": 1,
    }
    return ImportBatch.objects.create(**(values | fields))


@pytest.fixture
def importer(make_member):
    return make_member("ivan", roles.IMPORTER, display_name="Ivan Importer")


@pytest.fixture
def importer_client(client, importer):
    client.force_login(importer.user)
    return client


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/import-center/")


@pytest.mark.parametrize("role", [roles.EMPLOYEE, roles.APPROVER])
def test_roles_without_import_permission_get_the_403_page(client, make_member, role):
    member = make_member("olga", role)
    client.force_login(member.user)
    for url in (URL, f"{URL}members/?q=a"):
        response = client.get(url)
        assert response.status_code == 403
        assertTemplateUsed(response, "403.html")
        assert b"import-center-text" not in response.content


def test_user_without_membership_gets_the_403_page(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password=PASSWORD)
    client.force_login(user)
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("role", [roles.IMPORTER, roles.ADMIN])
def test_importers_and_admins_get_the_page_with_the_api_endpoints(client, make_member, role):
    member = make_member("ivy", role)
    client.force_login(member.user)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for attribute, value in {
        "data-upload-url": "/api/attendance/import/upload",
        "data-preview-url": "/api/attendance/import/preview",
        "data-prepare-url": "/api/attendance/import/prepare",
        "data-commit-url": "/api/attendance/import/commit",
        "data-jobs-url": "/api/attendance/import/jobs/",
        "data-batches-url": "/api/attendance/import/batches/",
        "data-export-url": "/api/attendance/records/export.csv",
        "data-history-url": "/import-center/",
    }.items():
        assert f'{attribute}="{value}"' in html
    assert 'href="/api/attendance/import/template?format=csv"' in html
    assert 'type="file"' in html
    assert 'id="ic-drop"' in html
    assert "<dialog" in html
    # The nav marks this page as the current one.
    assert 'href="/import-center/" aria-current="page"' in html


def test_the_endpoints_the_page_names_answer_the_importer(importer_client):
    """The page builds URLs from its data attributes: each resolves to the API (not the catch-all 404)."""
    assert importer_client.get("/api/attendance/import/template?format=csv").status_code == 200
    assert importer_client.get("/api/attendance/import/batches").status_code == 200
    assert importer_client.get("/api/attendance/import/jobs/999").json()["error"]["code"] == "JOB_NOT_FOUND"
    assert importer_client.get("/api/attendance/import/batches/999").json()["error"]["code"] == (
        "BATCH_NOT_FOUND"
    )


def test_page_has_no_inline_script_style_or_handlers(importer_client):
    html = importer_client.get(URL).content.decode()
    assert "style=" not in html
    assert " onclick=" not in html and " onchange=" not in html
    # The only <script> without src is the JSON data block, which browsers never run.
    assert html.count("<script") == html.count("<script src=") + 1
    assert '<script id="import-center-text" type="application/json">' in html


def test_script_texts_are_valid_json_in_the_page_language(importer_client):
    html = importer_client.get(URL).content.decode()
    start = html.index('<script id="import-center-text" type="application/json">')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    text = json.loads(body)
    assert text["formats"]["dingtalk_daily"] == "DingTalk daily summary"
    assert text["statuses"]["late"] == "Late"
    assert "{processed}" in text["rowsProgress"]

    zh = importer_client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    start = zh.index('<script id="import-center-text" type="application/json">')
    text = json.loads(zh[zh.index(">", start) + 1 : zh.index("</script>", start)])
    assert text["formats"]["dingtalk_daily"] == "钉钉每日统计"
    assert "{processed}" in text["rowsProgress"]


def test_page_renders_in_simplified_chinese(importer_client):
    html = importer_client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="zh-hans">' in html
    for phrase in ("导入中心", "上传文件", "批次记录", "导出记录", "下载模板"):
        assert phrase in html, phrase


def test_history_lists_the_organizations_batches_newest_first_with_actions(
    importer_client, importer, org, other_org, make_member
):
    old = _batch(org, importer.user, filename="march.csv", created_at=timezone.now() - timedelta(days=2))
    rolled = _batch(
        org,
        importer.user,
        filename="april.csv",
        status=ImportBatch.Status.ROLLED_BACK,
        rolled_back_at=timezone.now(),
        skipped_count=3,
    )
    failed = _batch(
        org,
        importer.user,
        filename="bad.csv",
        status=ImportBatch.Status.FAILED,
        error_code="IMPORT_ROWS_INVALID",
        error_message="2 of 10 rows are not valid; nothing was imported.",
    )
    stranger = make_member("greta", roles.IMPORTER, organization=other_org)
    _batch(other_org, stranger.user, filename="globex-secret.csv")

    html = importer_client.get(URL).content.decode()
    assert "globex-secret.csv" not in html
    rows = html.split('data-testid="batch-row"')[1:]
    assert all(f'data-batch-id="{b.pk}"' in row for row, b in zip(rows, [failed, rolled, old], strict=True))
    failed_row, rolled_row, old_row = rows
    assert "2 of 10 rows are not valid" in failed_row
    assert "data-rollback" not in failed_row and "data-rollback" not in rolled_row
    assert f'data-rollback="{old.pk}"' in old_row
    assert "Rolled back" in rolled_row
    # The error file is offered only where rows were not imported.
    assert f'href="/api/attendance/import/batches/{rolled.pk}/errors.csv"' in rolled_row
    assert "errors.csv" not in old_row
    assert "7 new · 2 updated · 1 unchanged" in old_row


def test_history_times_are_shown_in_the_organizations_timezone(importer_client, importer, org):
    created = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
    _batch(org, importer.user, created_at=created)
    html = importer_client.get(URL).content.decode()
    assert ">2 Mar 2026 09:30</time>" in html


def test_history_pages_and_answers_htmx_with_the_table_only(importer_client, importer, org):
    for n in range(12):
        _batch(
            org, importer.user, filename=f"file-{n:02d}.csv", created_at=timezone.now() + timedelta(minutes=n)
        )
    first = importer_client.get(URL).content.decode()
    assert "file-11.csv" in first and "file-01.csv" not in first
    assert 'hx-get="?page=2"' in first

    fragment = importer_client.get(f"{URL}?page=2", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="batch-history")
    html = fragment.content.decode()
    assert "<html" not in html and 'data-page="2"' in html
    assert "file-01.csv" in html and "file-11.csv" not in html
    assert "HX-Target" in fragment["Vary"]

    # An out-of-range page shows the last one instead of an error.
    assert 'data-page="2"' in importer_client.get(f"{URL}?page=99").content.decode()


def test_empty_history_says_so(importer_client):
    assert 'data-testid="batch-history-empty"' in importer_client.get(URL).content.decode()


def test_export_form_offers_the_members_and_statuses_and_defaults_to_this_month(
    importer_client, make_member, other_org
):
    make_member("zhang", employee_no="E1", display_name="张三")
    make_member("left", employee_no="E9", display_name="Left Already", is_active=False)
    make_member("greta", employee_no="G1", display_name="Greta Globex", organization=other_org)
    html = importer_client.get(URL).content.decode()
    form = html[html.index('id="ic-export"') : html.index("</form>", html.index('id="ic-export"'))]
    assert 'action="/api/attendance/records/export.csv"' in form
    assert "张三 · E1" in form
    assert "Left Already" not in form and "Greta Globex" not in form
    assert '<option value="late">Late</option>' in form
    assert 'name="bom" value="1" checked' in form
    today = timezone.localdate(timezone=timezone.get_fixed_timezone(8 * 60))
    assert f'name="from" value="{today.replace(day=1):%Y-%m-%d}"' in form
    assert f'name="to" value="{today:%Y-%m-%d}"' in form


def test_member_search_returns_matching_options_of_this_organization_only(
    importer_client, make_member, other_org
):
    make_member("zhang", employee_no="E1", display_name="张三")
    make_member("li", employee_no="E2", display_name="李四")
    make_member("greta", employee_no="E1X", display_name="Greta", organization=other_org)
    html = importer_client.get(f"{URL}members/", {"q": "E1"}).content.decode()
    assert "张三" in html and "李四" not in html and "Greta" not in html
    assert '<option value="">All members</option>' in html
    assert "No member matches" in importer_client.get(f"{URL}members/", {"q": "zzz"}).content.decode()


def test_page_is_get_only(importer_client):
    assert importer_client.post(URL).status_code == 405


def test_query_count_does_not_grow_with_batches_or_members(
    importer_client, importer, org, make_member, django_assert_max_num_queries
):
    for n in range(3):
        _batch(org, importer.user, filename=f"a{n}.csv")
    with django_assert_max_num_queries(10) as small:  # 9 + the header bell's unread count
        assert importer_client.get(URL).status_code == 200
    for n in range(15):
        uploader = make_member(f"user{n}", roles.IMPORTER)
        _batch(org, uploader.user, filename=f"b{n}.csv", status=ImportBatch.Status.FAILED)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert importer_client.get(URL).status_code == 200
    # The table alone: the same without the member choices.
    with django_assert_max_num_queries(len(small.captured_queries) - 1):
        importer_client.get(URL, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="batch-history")
    # The member search: one query for the matches, whatever their number.
    with django_assert_max_num_queries(7):
        assert "User14" in importer_client.get(f"{URL}members/", {"q": "user"}).content.decode()


def test_the_page_offers_matching_by_name_off_with_its_explanation(importer_client):
    html = importer_client.get(URL).content.decode()
    box = html[html.index('id="ic-match-by-name"') - 80 : html.index('id="ic-match-hint"') + 600]
    assert 'type="checkbox"' in box and "checked" not in box.split("</label>")[0]
    assert "Also match people by their name" in box
    assert "two people who share a name would get each other" in box
    assert 'data-testid="unmatched-people"' in html and "People not found" in html


def test_the_match_and_unmatched_texts_are_in_chinese(importer_client):
    html = importer_client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "同时按姓名匹配人员" in html
    assert "未找到的人员" in html and "再次检查文件" in html
    text = json.loads(
        html[
            html.index(">", html.index('id="import-center-text"')) + 1 : html.index(
                "</script>", html.index('id="import-center-text"')
            )
        ]
    )
    assert text["unmatchedLines"] == "第 {lines} 行"


def test_only_admins_get_the_link_to_add_or_link_people(client, make_member):
    for role, linked in ((roles.IMPORTER, False), (roles.ADMIN, True)):
        member = make_member(f"u-{role}", role)
        client.force_login(member.user)
        html = client.get(URL).content.decode()
        assert ('data-testid="people-link"' in html) is linked
