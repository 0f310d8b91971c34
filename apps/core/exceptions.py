"""One error envelope for the whole API: {"ok": false, "error": {"code", "message", "details"}}."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from apps.core.errors import DomainError, PayloadTooLarge, RateLimited, ServiceUnavailable

logger = logging.getLogger("timeledger.api")

DRF_CODES = {
    exceptions.ParseError: ("MALFORMED_REQUEST", gettext_lazy("The request body could not be parsed.")),
    exceptions.NotAuthenticated: ("NOT_AUTHENTICATED", gettext_lazy("Sign in or send a valid API token.")),
    exceptions.AuthenticationFailed: (
        "NOT_AUTHENTICATED",
        gettext_lazy("Sign in or send a valid API token."),
    ),
    exceptions.PermissionDenied: ("FORBIDDEN", gettext_lazy("You do not have permission to do this.")),
    exceptions.NotFound: ("NOT_FOUND", gettext_lazy("Not found.")),
    exceptions.MethodNotAllowed: ("METHOD_NOT_ALLOWED", gettext_lazy("This method is not allowed here.")),
    exceptions.NotAcceptable: (
        "NOT_ACCEPTABLE",
        gettext_lazy("The requested response format is not available."),
    ),
    exceptions.UnsupportedMediaType: (
        "UNSUPPORTED_MEDIA_TYPE",
        gettext_lazy("This content type is not supported here."),
    ),
    exceptions.Throttled: ("RATE_LIMITED", gettext_lazy("Too many requests; try again later.")),
    exceptions.ValidationError: ("VALIDATION_ERROR", gettext_lazy("Some fields are not valid.")),
}

# For errors that reach the API from outside DRF (see ApiErrorEnvelopeMiddleware): by HTTP status.
STATUS_CODES = {
    400: ("MALFORMED_REQUEST", gettext_lazy("The request could not be understood.")),
    401: ("NOT_AUTHENTICATED", gettext_lazy("Sign in or send a valid API token.")),
    403: ("FORBIDDEN", gettext_lazy("You do not have permission to do this.")),
    404: ("NOT_FOUND", gettext_lazy("Not found.")),
    405: ("METHOD_NOT_ALLOWED", gettext_lazy("This method is not allowed here.")),
    406: ("NOT_ACCEPTABLE", gettext_lazy("The requested response format is not available.")),
    413: ("PAYLOAD_TOO_LARGE", gettext_lazy("The request body is too large.")),
    415: ("UNSUPPORTED_MEDIA_TYPE", gettext_lazy("This content type is not supported here.")),
    429: ("RATE_LIMITED", gettext_lazy("Too many requests; try again later.")),
    503: (
        "SERVICE_UNAVAILABLE",
        gettext_lazy("A service this request needs is not answering; try again shortly."),
    ),
    500: (
        "INTERNAL_ERROR",
        gettext_lazy("Something went wrong on our side; the request id identifies it in our logs."),
    ),
}


def envelope(code: str, message: str, details: dict | None = None) -> dict:
    # str(): a message may be lazy (DRF_CODES, STATUS_CODES); it is rendered in the active language here.
    return {"ok": False, "error": {"code": code, "message": str(message), "details": details or {}}}


def error_response(code: str, message: str, status_code: int, details: dict | None = None) -> JsonResponse:
    """The envelope as a plain Django response, for errors raised outside DRF views."""
    return JsonResponse(envelope(code, message, details), status=status_code)


def _drf_code_and_message(exc: exceptions.APIException) -> tuple[str, str]:
    error = getattr(exc, "error", None)  # set by our authentication classes
    if error is not None:
        return error.code, error.message
    for exc_type in type(exc).__mro__:
        if exc_type in DRF_CODES:
            code, message = DRF_CODES[exc_type]
            if exc_type is not exceptions.ValidationError and isinstance(exc.detail, str):
                message = str(exc.detail)
            return code, str(message)
    return "ERROR", str(exc.detail)


def envelope_exception_handler(exc, context) -> Response:
    set_rollback()
    headers: dict[str, str] = {}
    if isinstance(exc, RequestDataTooBig):  # a SuspiciousOperation, but the client's fix is a smaller body
        exc = PayloadTooLarge(
            "PAYLOAD_TOO_LARGE",
            _("The request body is larger than the %(limit)s MB allowed.")
            % {"limit": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1_048_576:g}"},
            {"limitBytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
        )
    if isinstance(exc, DomainError):
        if isinstance(exc, RateLimited | ServiceUnavailable):
            headers["Retry-After"] = str(exc.retry_after_seconds)
        return Response(envelope(exc.code, exc.message, exc.details), status=exc.status_code, headers=headers)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(detail=str(exc) or None)
    if isinstance(exc, exceptions.APIException):
        code, message = _drf_code_and_message(exc)
        details = {"fields": exc.detail} if isinstance(exc, exceptions.ValidationError) else {}
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            details["retryAfterSeconds"] = int(exc.wait)
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        return Response(envelope(code, message, details), status=exc.status_code, headers=headers)
    logger.exception("Unhandled API error")
    return Response(
        envelope(
            "INTERNAL_ERROR", _("Something went wrong on our side; the request id identifies it in our logs.")
        ),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
