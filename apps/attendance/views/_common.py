"""What every attendance page view shares: who the caller is, and how a service error becomes a page."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.cache import patch_vary_headers

from apps.access.models import Membership
from apps.core.errors import NotFound


def member_with(request: HttpRequest, codename: str) -> Membership:
    """The caller's active membership when its roles grant `codename`; else the 403 page."""
    membership = request.membership
    if not membership or not membership.can(codename):
        raise PermissionDenied
    return membership


def fetch_or_404(getter, *, viewer: Membership, request_id: int):
    """A request the viewer may see; anyone else's (another team, another organization) is a 404."""
    try:
        return getter(viewer=viewer, request_id=request_id)
    except NotFound:
        raise Http404 from None


def htmx_partial(request: HttpRequest) -> bool:
    """An htmx request that swaps a part of the page (a history restore wants the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def vary_on_htmx(response):
    # The same URL answers a whole page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response
