"""`/admin-center/` in the `admin_center` namespace: the overview plus the registered urlconfs that have no
namespace of their own (`admin_center:users`, `admin_center:audit`, ...). Those with an `app_name` are in
namespaced_urls.py, mounted before this one (config/urls.py)."""

from django.urls import include, path

from apps.access.admin_center import registry, views

app_name = "admin_center"

urlpatterns = [
    path("", views.home, name="home"),
    *(path(prefix, include(patterns)) for prefix, patterns in registry.url_entries(namespaced=False)),
]
