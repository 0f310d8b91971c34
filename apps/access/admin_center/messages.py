"""How an Admin Center page shows a service's refusal: the message a person can act on, followed by the
problem of each field; `refusal()` puts it on the next page (post/redirect/get)."""

from django.contrib import messages
from django.http import HttpRequest

from apps.core.errors import DomainError


def refusal_text(error: DomainError) -> str:
    fields = error.details.get("fields") or {}
    return " ".join([error.message, *(str(m) for ms in fields.values() for m in ms)])


def refusal(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, refusal_text(error))
