"""Request-scoped middleware: request id, timing and the access log line; the active organization."""

import logging
import time

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from apps.access import request_context
from apps.access.selectors import active_membership

logger = logging.getLogger("timeledger.request")


class RequestContextMiddleware:
    """Gives every request an id (X-Request-ID in and out) and writes one JSON log line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = request_context.request_id_from(request)
        request.request_id = request_id
        token = request_context.set_current(
            request_context.RequestContext(
                request_id=request_id,
                ip=request_context.client_ip(request),
                user_agent=request.headers.get("User-Agent", "")[:300],
                path=request.path,
                method=request.method or "",
            )
        )
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            self._log(request, response.status_code, started)
            return response
        finally:
            request_context.reset(token)

    @staticmethod
    def _log(request: HttpRequest, status: int, started: float) -> None:
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            membership = getattr(request, "_timeledger_membership", None)
            request_context.update(
                user_id=user.pk,
                username=user.get_username(),
                organization=membership.organization.slug if membership else "",
            )
        level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
        logger.log(
            level,
            "request",
            extra={"status": status, "duration_ms": round((time.perf_counter() - started) * 1000, 2)},
        )


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
