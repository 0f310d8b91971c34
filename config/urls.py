from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from apps.access import views as access_views
from apps.core import health
from config import api_docs, errors

api_urlpatterns = [
    path("", include("apps.access.api.urls")),
    # Payroll's routes live under /api/attendance/ (the names users' scripts know); payroll is the higher
    # layer, so config mounts them, before attendance's own.
    path("attendance/", include("apps.payroll_cycles.api.urls")),
    path("attendance/", include("apps.attendance.api.urls")),
    path("attendance/import/", include("apps.imports.api.urls")),
    path("attendance-admin/", include("apps.access.api.admin_urls")),
    path("attendance-admin/", include("apps.audit.api.urls")),
    path("", include("apps.attendance.api.notification_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", api_docs.SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", api_docs.RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    # Anything else under /api/ is a 404 in the envelope, never an HTML page.
    re_path(r"^.*$", errors.api_not_found),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("api/", include(api_urlpatterns)),
    path("accounts/login/", access_views.login_view, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("frontend.urls")),
    path("accounts/", include("apps.access.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("attendance/", include("apps.attendance.urls")),
    path("import-center/", include("apps.imports.urls")),
    # The Admin Center shell and the sections the apps registered (docs/admin-center.md).
    path("admin-center/", include("apps.access.admin_center.namespaced_urls")),
    path("admin-center/", include("apps.access.admin_center.urls")),
    path("django-admin/", admin.site.urls),
    path("", RedirectView.as_view(pattern_name="attendance:landing", permanent=False), name="home"),
]

handler404 = errors.page_not_found
handler500 = errors.server_error
