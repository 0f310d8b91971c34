"""`/admin-center/<prefix>` for the registered urlconfs that keep their own namespace (`admin_settings:...`).
Mounted before urls.py, so a longer prefix wins over the shell's own paths."""

from django.urls import include, path

from apps.access.admin_center import registry

urlpatterns = [path(prefix, include(urlconf)) for prefix, urlconf in registry.url_entries(namespaced=True)]
