"""Domain errors: one exception type per meaning, each carrying a stable code.

Every code raised anywhere must be listed in docs/errors.md (tests/test_errors_doc.py keeps that true).
The DRF exception handler (apps.core.exceptions) turns them into the error envelope; pages show
the same message. Messages are written with gettext where they are raised, so they come in the language of
the request (Accept-Language, the language cookie); the codes never change.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status_code = 400
    default_code = "VALIDATION_ERROR"
    default_message = _("The request is not valid.")

    def __init__(
        self, code: str | None = None, message: str | None = None, details: dict[str, Any] | None = None
    ):
        self.code = code or self.default_code
        self.message = str(message or self.default_message)  # in the language active where it is raised
        self.details = details or {}
        super().__init__(f"{self.code}: {self.message}")


class ValidationFailed(DomainError):
    status_code = 400


class NotAuthenticated(DomainError):
    status_code = 401
    default_code = "NOT_AUTHENTICATED"
    default_message = _("Sign in or send a valid API token.")


class Forbidden(DomainError):
    status_code = 403
    default_code = "FORBIDDEN"
    default_message = _("You do not have permission to do this.")


class NotFound(DomainError):
    status_code = 404
    default_code = "NOT_FOUND"
    default_message = _("Not found.")


class Conflict(DomainError):
    status_code = 409
    default_code = "CONFLICT"
    default_message = _("This conflicts with the current state.")


class Gone(DomainError):
    status_code = 410
    default_code = "EXPIRED"
    default_message = _("This has expired.")


class PayloadTooLarge(DomainError):
    status_code = 413
    default_code = "PAYLOAD_TOO_LARGE"
    default_message = _("The request body is too large.")


class Unprocessable(DomainError):
    status_code = 422
    default_code = "UNPROCESSABLE"
    default_message = _("The request could not be processed.")


class RateLimited(DomainError):
    status_code = 429
    default_code = "RATE_LIMITED"
    default_message = _("Too many requests; try again later.")

    def __init__(self, retry_after_seconds: int = 60, **kwargs: Any):
        self.retry_after_seconds = retry_after_seconds
        super().__init__(**kwargs)
        self.details.setdefault("retryAfterSeconds", retry_after_seconds)


class ServiceUnavailable(DomainError):
    """A service we depend on (the cache holding rate-limit counters, the Celery broker) is not answering."""

    status_code = 503
    default_code = "SERVICE_UNAVAILABLE"
    default_message = _("A service this request needs is not answering; try again shortly.")

    def __init__(self, retry_after_seconds: int = 30, **kwargs: Any):
        self.retry_after_seconds = retry_after_seconds
        super().__init__(**kwargs)
        self.details.setdefault("retryAfterSeconds", retry_after_seconds)
