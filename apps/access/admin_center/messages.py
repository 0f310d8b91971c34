"""How an Admin Center page shows a service's refusal: the message a person can act on, followed by the
problem of each field, as one error message on the next page (post/redirect/get)."""

from django.contrib import messages
from django.http import HttpRequest

from apps.core.errors import DomainError


def refusal(request: HttpRequest, error: DomainError) -> None:
    fields = error.details.get("fields") or {}
    messages.error(request, " ".join([error.message, *(m for ms in fields.values() for m in ms)]))
