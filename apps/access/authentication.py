"""API authentication: `Authorization: Bearer <token>` for integrators, the session (with CSRF) for pages."""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from apps.access.auth_cache import token_authenticate_cached
from apps.core import request_context
from apps.core.errors import NotAuthenticated


class TokenAuthenticationFailed(exceptions.AuthenticationFailed):
    """Carries our stable code through DRF's 401 handling."""

    def __init__(self, error: NotAuthenticated):
        super().__init__(detail=error.message, code=error.code)
        self.error = error


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        # The IP allowlist middleware authenticates the token before DRF does: the second call of a
        # request reuses that answer (one token lookup per request, not two).
        http_request = getattr(request, "_request", request)
        cached = getattr(http_request, "_timeledger_bearer", None)
        if cached is not None:
            return cached
        authenticated = self._authenticate(request, http_request)
        if authenticated is not None:
            http_request._timeledger_bearer = authenticated
        return authenticated

    def _authenticate(self, request, http_request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _separator, raw = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        raw = raw.strip()
        if not raw or " " in raw:
            raise TokenAuthenticationFailed(
                NotAuthenticated("TOKEN_INVALID", _("The Authorization header is malformed."))
            )
        try:
            token, membership, known = token_authenticate_cached(raw=raw)
        except NotAuthenticated as error:
            raise TokenAuthenticationFailed(error) from None
        if known:  # the token's membership (or that it has none): active_membership reads it from here
            http_request._timeledger_membership = membership
        request_context.update(user_id=token.user.pk, username=token.user.get_username())
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword


class CsrfSessionAuthentication(authentication.SessionAuthentication):
    """Session auth (CSRF enforced on unsafe methods). Answers 401, not 403, to anonymous callers."""

    def authenticate_header(self, request) -> str:
        return "Session"


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from `manage.py tokens create`.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = CsrfSessionAuthentication
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
