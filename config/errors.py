"""Error views: the API gets the JSON envelope, pages get a readable page."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from apps.core.exceptions import envelope


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


@csrf_exempt
def api_not_found(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        envelope("NOT_FOUND", _("There is no API endpoint at %(path)s.") % {"path": request.path}), status=404
    )


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if _is_api(request):
        return api_not_found(request)
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            envelope(
                "INTERNAL_ERROR",
                _("Something went wrong on our side; the request id identifies it in our logs."),
            ),
            status=500,
        )
    return render(request, "errors/500.html", status=500)
