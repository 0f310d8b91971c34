"""Enforces the organization's IP allowlist (apps.access.ip_allowlist) before any view runs.

Runs after the session middleware; for a bearer token it authenticates the token itself (read only), so
that the organization is known before DRF's own authentication. The membership it finds is the one the
view will see (active_membership caches it on the request).
"""

from types import SimpleNamespace

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed

from apps.access.authentication import BearerTokenAuthentication
from apps.access.hooks import record_operation
from apps.access.ip_allowlist import ADMIN_PREFIXES, ip_allowlist
from apps.access.selectors import active_membership
from apps.core import request_context
from apps.core.exceptions import error_response

DENIAL_LOG_SECONDS = 60


def _membership(request: HttpRequest):
    try:
        authenticated = BearerTokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None  # DRF answers 401 for it
    if authenticated is not None:
        user, token = authenticated
        return active_membership(SimpleNamespace(_request=request, user=user, auth=token))
    user = getattr(request, "user", None)
    return active_membership(request) if user is not None and user.is_authenticated else None


class IpAllowlistMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(("/api/", *ADMIN_PREFIXES)):
            membership = _membership(request)
            if membership is not None:
                policy = ip_allowlist(membership.organization)
                address = request_context.client_ip(request)
                if policy.applies_to(request.path) and not policy.allows(address):
                    return self._deny(request, membership, address)
        return self.get_response(request)

    @staticmethod
    def _deny(request: HttpRequest, membership, address: str) -> HttpResponse:
        # One entry per organization and address a minute: a blocked script must not flood the log.
        if cache.add(f"ipdeny:{membership.organization_id}:{address}", 1, DENIAL_LOG_SECONDS):
            record_operation(
                action="access.ip_allowlist.deny",
                actor=membership,
                result="denied",
                details={"address": address, "path": request.path, "method": request.method},
            )
        message = _("Your address is not allowed to use this part of TimeLedger for this organization.")
        if request.path.startswith("/api/"):
            return error_response("IP_RESTRICTED", message, 403, {"address": address})
        return render(request, "access/ip_restricted.html", {"address": address}, status=403)
