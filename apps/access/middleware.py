"""The active organization of a request, resolved lazily for pages."""

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from apps.access.selectors import active_membership


class ActiveOrganizationMiddleware:
    """Makes `request.membership` (and `request.organization`) available to pages, resolved lazily."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = SimpleLazyObject(lambda: active_membership(request))
        request.organization = SimpleLazyObject(
            lambda: request.membership.organization if request.membership else None
        )
        return self.get_response(request)
