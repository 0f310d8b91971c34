"""The Admin Center shell shows what the apps registered: tabs, sub-page links, overview figures."""

from django.utils.translation import gettext_lazy

from apps.access.admin_center import Figure, Section, registry


def test_the_tabs_come_from_the_registry_in_order(admin_client):
    content = admin_client.get("/admin-center/").content.decode()
    start = content.index('data-testid="admin-tabs"')
    tabs = content[start : content.index("</nav>", start)]
    order = [tabs.index(label) for label in ("Overview", "User Access", "Audit", "Settings", "Import Center")]
    assert order == sorted(order)


def test_a_registered_section_gets_a_tab_a_card_and_lights_on_its_pages(admin_client, monkeypatch):
    section = Section(
        key="payroll-demo",
        title=gettext_lazy("Payroll demo"),
        url_name="admin_center:chain",
        order=35,
        text="Close a payroll period.",
        active=("admin_center:chain",),
    )
    monkeypatch.setitem(registry._registry.sections, section.key, section)

    home = admin_client.get("/admin-center/").content.decode()
    assert 'data-testid="section-payroll-demo"' in home
    page = admin_client.get("/admin-center/audit/chain/").content.decode()
    assert '<a href="/admin-center/audit/chain/" aria-current="page">Payroll demo</a>' in page


def test_a_child_section_is_a_link_on_its_parent_page_not_a_tab(admin_client):
    page = admin_client.get("/admin-center/settings/").content.decode()
    assert 'data-testid="attendance-settings-link"' in page
    assert 'href="/admin-center/settings/attendance/"' in page
    holidays = admin_client.get("/admin-center/settings/attendance/").content.decode()
    assert '<a href="/admin-center/settings/" aria-current="page">Settings</a>' in holidays


def test_a_section_whose_page_is_not_mounted_is_left_out(admin_client, monkeypatch):
    gone = Section(key="gone", title="Gone", url_name="nowhere:home", text="Not here.")
    monkeypatch.setitem(registry._registry.sections, gone.key, gone)
    assert b"section-gone" not in admin_client.get("/admin-center/").content


def test_a_registered_figure_is_counted_for_the_organization(admin, admin_client, monkeypatch):
    figure = Figure(
        key="demo", label="demo things", count=lambda organization: len(organization.name), order=99
    )
    monkeypatch.setitem(registry._registry.figures, figure.key, figure)
    response = admin_client.get("/admin-center/")
    assert response.context["figures"]["demo"] == len(admin.organization.name)
    assert b'data-testid="figure-demo"' in response.content
