"""Kernel middleware: request id, timing and the access log line; the JSON envelope for every /api/ error."""

import logging
import time

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from apps.core import request_context
from apps.core.exceptions import STATUS_CODES, error_response

logger = logging.getLogger("timeledger.request")


class RequestContextMiddleware:
    """Gives every request an id (X-Request-ID in and out) and writes one JSON log line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        if not request_context.from_trusted_proxy(request):
            # Django's SECURE_PROXY_SSL_HEADER believes the header from anyone; only our proxy may say
            # the client spoke TLS (it decides HSTS, secure cookies and the HTTPS redirect).
            request.META.pop("HTTP_X_FORWARDED_PROTO", None)
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


class ApiErrorEnvelopeMiddleware:
    """Under /api/ every error is the JSON envelope, whoever produced it: DRF views already answer with it;
    this catches the rest (Django's CSRF failure page, a plain view's 405, a 400 for a bad Host or an
    oversized body, DEBUG's technical pages)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return status_error_response(response)
        return response


def status_error_response(original: HttpResponse) -> HttpResponse:
    code, message = STATUS_CODES.get(
        original.status_code, STATUS_CODES[500 if original.status_code >= 500 else 400]
    )
    response = error_response(code, message, original.status_code)
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in original:
            response[header] = original[header]
    return response


class RequestInputGuardMiddleware:
    """Refuses, before any view runs, input that no view can store or parse: a NUL character in the path or
    in a query parameter (PostgreSQL refuses NUL in text; every filter and search would fail with a 500),
    and a multipart body whose Content-Type names no boundary. The API answers 400 with the envelope, a
    page answers the 400 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = self._problem(request)
        if problem is None:
            return self.get_response(request)
        code, message, details = problem
        if request.path.startswith("/api/"):
            return error_response(code, message, 400, details)
        return render(
            request,
            "core/problem.html",
            {"title": _("This request could not be used"), "message": message},
            status=400,
        )

    @staticmethod
    def _problem(request: HttpRequest):
        if "\x00" in request.path:
            return "MALFORMED_REQUEST", _("The address holds a NUL character."), {}
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                message = _("Null characters are not allowed.")
                return "VALIDATION_ERROR", message, {"fields": {name.replace("\x00", ""): [message]}}
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.lower().startswith("multipart/") and "boundary=" not in content_type:
            return "MALFORMED_REQUEST", _("The multipart body names no boundary in its Content-Type."), {}
        return None


class PrivateResponsesMiddleware:
    """A response to a signed-in user (session or API token) is for them alone: `Cache-Control: no-store`
    keeps it out of shared caches and the browser's history cache, unless the view set its own policy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        authenticated = getattr(user, "is_authenticated", False) or "HTTP_AUTHORIZATION" in request.META
        if authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response
