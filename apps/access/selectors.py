"""Reads of the access app. The active membership of a request is resolved here, once per request."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.access.models import ApiToken, Membership

ACTIVE_ORG_SESSION_KEY = "active_organization"
ORG_HEADER = "X-Organization"


def memberships_for_user(*, user: AbstractBaseUser) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True, organization__isnull=False)
        .select_related("organization", "user", "manager__user")
        .prefetch_related("roles")
        .order_by("id")
    )


def _http_request(request) -> HttpRequest:
    # A DRF Request wraps the HttpRequest; cache on the inner one so pages and the API share it.
    return getattr(request, "_request", request)


def active_membership(request) -> Membership | None:
    """The membership the request acts as: the token's organization, else the X-Organization header
    (slug), else the one chosen in the session, else the user's first membership."""
    http_request = _http_request(request)
    if hasattr(http_request, "_timeledger_membership"):
        return http_request._timeledger_membership
    user = getattr(request, "user", None)
    membership = None
    if user is not None and user.is_authenticated:
        memberships = list(memberships_for_user(user=user))
        auth = getattr(request, "auth", None)
        wanted = None
        if isinstance(auth, ApiToken) and auth.organization_id:
            wanted = auth.organization.slug
        elif http_request.headers.get(ORG_HEADER):
            wanted = http_request.headers[ORG_HEADER]
        elif hasattr(http_request, "session"):
            wanted = http_request.session.get(ACTIVE_ORG_SESSION_KEY)
        if wanted:
            membership = next((m for m in memberships if m.organization.slug == wanted), None)
        elif memberships:
            membership = memberships[0]
    http_request._timeledger_membership = membership
    return membership


def tokens_for_user(*, user: AbstractBaseUser) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).select_related("organization").order_by("-created_at", "-id")
