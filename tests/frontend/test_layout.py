"""The base layout: navigation by role, the organization switch, messages, and the CSP-safe markup."""

import json
import re

import pytest
from django.conf import settings

from apps.access import roles
from apps.access.selectors import ACTIVE_ORG_SESSION_KEY
from apps.audit.models import OperationLog
from tests.factories import MembershipFactory
from tests.frontend.conftest import csrf_token

pytestmark = pytest.mark.django_db

SWITCH = "/accounts/organization/"
ANY_PAGE = "/no-such-page/"  # the 404 page extends the base layout, whichever apps are installed


def _nav_labels(response) -> list[str]:
    return [str(item["label"]) for item in response.context["nav_items"]]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (roles.EMPLOYEE, ["My attendance"]),
        (roles.APPROVER, ["My attendance", "Approvals"]),
        (roles.IMPORTER, ["My attendance", "Import Center"]),
        (roles.ADMIN, ["My attendance", "Approvals", "Import Center", "Admin Center"]),
    ],
)
def test_the_navigation_shows_what_the_role_allows(client, make_member, nav_urls, role, expected):
    client.force_login(make_member("someone", role).user)

    response = client.get(ANY_PAGE)

    assert _nav_labels(response) == expected
    nav = re.search(r'<nav class="nav".*?</nav>', response.content.decode(), re.S).group(0)
    assert re.findall(r">([^<>]+)</a>", nav) == expected


def test_links_to_pages_that_are_not_installed_are_left_out(client, make_member, only_attendance_urls):
    client.force_login(make_member("boss", roles.ADMIN).user)

    assert _nav_labels(client.get(ANY_PAGE)) == ["My attendance"]


def test_only_the_deepest_matching_link_is_marked_current(client, make_member, nav_urls):
    client.force_login(make_member("boss", roles.ADMIN).user)
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)

    response = client.get("/attendance/approvals/x/")

    current = [str(item["label"]) for item in response.context["nav_items"] if item["active"]]
    assert current == ["Approvals"]
    assert response.content.decode().count('aria-current="page"') == 1


def test_a_deactivated_membership_sees_no_navigation(client, make_member, nav_urls):
    member = make_member("gone", roles.ADMIN, is_active=False)
    client.force_login(member.user)

    response = client.get(ANY_PAGE)

    assert response.context["nav_items"] == []
    assert 'data-testid="main-nav"' not in response.content.decode()


def test_an_anonymous_visitor_sees_no_navigation_and_no_user(client, nav_urls):
    html = client.get(ANY_PAGE).content.decode()

    assert 'data-testid="main-nav"' not in html
    assert 'data-testid="current-user"' not in html
    assert 'data-testid="language-select"' in html


def test_the_header_names_the_member_and_the_organization(client, make_member):
    client.force_login(make_member("alan", display_name="Alan Approver").user)

    html = client.get(ANY_PAGE).content.decode()

    assert re.search(r'data-testid="current-user">\s*Alan Approver<span class="who-org"> · Acme</span>', html)


def test_a_base_page_costs_a_fixed_number_of_queries(
    client, make_member, nav_urls, django_assert_max_num_queries
):
    client.force_login(make_member("boss", roles.ADMIN).user)
    client.get(ANY_PAGE)  # warm: content types, first session write

    # session, user, memberships + their roles (the active one), its permissions, the switch's organizations,
    # the bell's unread count
    with django_assert_max_num_queries(7):
        client.get(ANY_PAGE)


@pytest.mark.parametrize(("path", "signed_in"), [("/accounts/login/", False), (ANY_PAGE, True)])
def test_pages_carry_the_strict_csp_and_no_inline_script_style_or_handler(
    client, make_member, path, signed_in
):
    if signed_in:
        client.force_login(make_member("alan", roles.ADMIN).user)

    response = client.get(path)
    html = response.content.decode()

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"<style\b", html), "inline <style>"
    assert not re.search(r"\sstyle\s*=", html), "style attribute"
    assert not re.search(r"\son[a-z]+\s*=", html), "on* handler"
    # htmx must not write inline styles (indicator CSS, settled style attributes) nor evaluate code.
    config = json.loads(re.search(r'<meta name="htmx-config" content=\'([^\']*)\'>', html).group(1))
    assert config["includeIndicatorStyles"] is False
    assert "style" not in config["attributesToSettle"]
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False


# --- Switching organization -----------------------------------------------------------------------


@pytest.fixture
def two_orgs(make_member, other_org):
    """Alan is a member of acme (first) and of globex."""
    acme = make_member("alan", roles.APPROVER, display_name="Alan at Acme")
    globex = MembershipFactory(
        user=acme.user, organization=other_org, roles=[roles.EMPLOYEE], display_name="Alan at Globex"
    )
    return acme, globex


def _switch(client, slug, next_url=ANY_PAGE):
    return client.post(
        SWITCH, {"organization": slug, "next": next_url, "csrfmiddlewaretoken": csrf_token(client)}
    )


def test_a_member_of_two_organizations_gets_a_switch_with_both(client, two_orgs):
    client.force_login(two_orgs[0].user)

    response = client.get(ANY_PAGE)

    choices = response.context["organization_choices"]
    assert [(c["slug"], c["active"]) for c in choices] == [("acme", True), ("globex", False)]
    assert 'data-testid="organization-select"' in response.content.decode()


def test_a_member_of_one_organization_gets_no_switch(client, make_member):
    client.force_login(make_member("alan").user)

    assert 'data-testid="organization-select"' not in client.get(ANY_PAGE).content.decode()


def test_switching_changes_the_active_organization_and_is_audited(client, two_orgs, nav_urls):
    acme, globex = two_orgs
    client.force_login(acme.user)

    response = _switch(client, "globex")

    assert response.status_code == 302
    assert response["Location"] == ANY_PAGE
    assert client.session[ACTIVE_ORG_SESSION_KEY] == "globex"
    page = client.get(ANY_PAGE)
    assert page.context["active_membership"] == globex
    assert _nav_labels(page) == ["My attendance"]  # an employee there, an approver at acme
    assert "You are now working in Globex." in page.content.decode()
    entry = OperationLog.objects.get(action="access.session.switch_organization")
    assert (entry.result, entry.actor, entry.organization) == ("ok", acme.user, globex.organization)
    assert entry.details == {"from": "", "to": "globex"}


def test_switching_to_an_organization_you_do_not_belong_to_is_refused(client, two_orgs):
    acme, _globex = two_orgs
    client.force_login(acme.user)
    _switch(client, "acme")

    response = _switch(client, "initech")

    assert response.status_code == 302
    assert client.session[ACTIVE_ORG_SESSION_KEY] == "acme"
    page = client.get(ANY_PAGE)
    assert "You are not a member of that organization." in page.content.decode()
    assert page.context["active_membership"] == acme
    denied = OperationLog.objects.get(action="access.session.switch_organization", result="denied")
    assert denied.details == {"organization": "initech"}


def test_switching_to_an_organization_where_the_membership_is_inactive_is_refused(client, two_orgs):
    acme, globex = two_orgs
    globex.is_active = False
    globex.save()
    client.force_login(acme.user)

    _switch(client, "globex")

    assert ACTIVE_ORG_SESSION_KEY not in client.session
    assert OperationLog.objects.filter(action="access.session.switch_organization", result="ok").count() == 0


def test_switching_twice_to_the_same_organization_is_harmless(client, two_orgs):
    client.force_login(two_orgs[0].user)

    _switch(client, "globex")
    _switch(client, "globex")

    assert client.session[ACTIVE_ORG_SESSION_KEY] == "globex"
    details = list(
        OperationLog.objects.filter(action="access.session.switch_organization")
        .order_by("id")
        .values_list("details", flat=True)
    )
    assert details == [{"from": "", "to": "globex"}, {"from": "globex", "to": "globex"}]


def test_the_switch_returns_only_to_a_page_of_this_site(client, two_orgs):
    client.force_login(two_orgs[0].user)

    response = _switch(client, "globex", next_url="https://evil.example/")

    assert response["Location"] == "/"


def test_the_switch_needs_a_signed_in_user_a_post_and_the_csrf_token(client, two_orgs):
    anonymous = client.post(SWITCH, {"organization": "globex", "csrfmiddlewaretoken": csrf_token(client)})
    client.force_login(two_orgs[0].user)
    by_get = client.get(SWITCH)
    without_token = client.post(SWITCH, {"organization": "globex"})

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert by_get.status_code == 405
    assert without_token.status_code == 403
    assert ACTIVE_ORG_SESSION_KEY not in client.session
    assert not OperationLog.objects.filter(action="access.session.switch_organization").exists()


@pytest.mark.parametrize(
    ("template", "text"),
    [
        ("errors/500.html", "Something went wrong"),
        ("400.html", "The request could not be understood"),
        ("403_csrf.html", "This form has expired"),
    ],
)
def test_failure_pages_render_without_a_request_or_the_database(template, text, django_assert_num_queries):
    from django.template.loader import render_to_string
    from django.utils import translation

    with django_assert_num_queries(0):
        with translation.override("en"):
            english = render_to_string(template)
        with translation.override("zh-hans"):
            chinese = render_to_string(template)

    assert text in english
    assert text not in chinese
    assert '<link rel="stylesheet" href="/static/css/app.css">' in english
