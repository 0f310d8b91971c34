"""The project's URLs plus stand-ins for the pages the navigation links to, so the layout can be tested
before (and independently of) the apps that own those pages. Stand-ins come first, so they win."""

from django.http import HttpResponse
from django.urls import include, path

from config.urls import handler404, handler500
from config.urls import urlpatterns as project_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]


def stand_in(request):
    return HttpResponse("stand-in page")


urlpatterns = [
    path(
        "attendance/",
        include(
            ([path("", stand_in, name="home"), path("approvals/", stand_in, name="approvals")], "attendance")
        ),
    ),
    path("import-center/", include(([path("", stand_in, name="center")], "imports"))),
    path("admin-center/", include(([path("", stand_in, name="home")], "admin_center"))),
    *project_urlpatterns,
]
