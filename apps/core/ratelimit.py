"""Request rate limits (django-ratelimit), for any app's views.

    from apps.core.ratelimit import rate_limited

    class UploadView(APIView):
        @rate_limited("import_upload")            # a DRF view method: 429 envelope via the API handler
        def post(self, request): ...

    login = rate_limited("login", methods=["POST"])(LoginView.as_view())   # a Django view: readable page

Limits come from settings.RATE_LIMITS[group] ("60/m"); counters live in the default cache (Redis in
production, local memory in the demo), keyed by user id, or by client address when anonymous. Over the
limit: 429 RATE_LIMITED with Retry-After, the envelope for /api/ and a page for the web UI. When the cache
cannot be reached (Redis down) a limited request is refused at once with 503 SERVICE_UNAVAILABLE and
Retry-After, except the groups in `FAIL_OPEN_GROUPS` (sign-in): those go on uncounted, with a warning in the
log, since django-axes still locks out repeated failures from the database. The first
refused request of each window is told to the observers registered with `register_block_observer` (access
records it in the operation log; not every one, so a flood cannot flood the log too).
"""

import functools
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit import ALL, UNSAFE
from django_ratelimit.core import get_usage
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError
from rest_framework.request import Request

from apps.core import request_context
from apps.core.errors import RateLimited, ServiceUnavailable
from apps.core.exceptions import error_response

__all__ = ["ALL", "UNSAFE", "check_rate", "rate_limited", "rate_limited_response", "register_block_observer"]

logger = logging.getLogger("timeledger.ratelimit")

# Groups that go on uncounted when the counters' cache is down (and only those): signing in must work
# during a Redis outage; the failed-login lockout (django-axes) counts in the database meanwhile.
FAIL_OPEN_GROUPS = frozenset({"login"})
CACHE_DOWN_RETRY_AFTER_SECONDS = 30
CACHE_ERRORS = (ConnectionInterrupted, RedisError, ConnectionError, TimeoutError)

_block_observers: list[Callable[..., None]] = []


def register_block_observer(observer: Callable[..., None]) -> None:
    """`observer(request=, group=, rate=)` is called for the first refused request of each window."""
    if observer not in _block_observers:
        _block_observers.append(observer)


def user_or_ip(group: str, request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{request_context.client_ip(getattr(request, '_request', request))}"


def check_rate(
    request, group: str, *, methods: Iterable[str] | str = ALL, key: Callable = user_or_ip
) -> None:
    """Count this request against `group`; raise RateLimited when it is over the limit."""
    rate = settings.RATE_LIMITS.get(group)
    if not rate:
        raise ImproperlyConfigured(f"RATE_LIMITS has no entry for {group!r}.")
    try:
        usage = get_usage(request, group=f"tl:{group}", key=key, rate=rate, method=methods, increment=True)
    except CACHE_ERRORS as error:
        logger.warning("rate-limit counters unavailable", extra={"group": group, "error": repr(error)})
        if group in FAIL_OPEN_GROUPS:
            return
        raise ServiceUnavailable(
            retry_after_seconds=CACHE_DOWN_RETRY_AFTER_SECONDS,
            details={"group": group},
        ) from error
    if not usage or not usage["should_limit"]:
        return
    retry_after = max(1, usage["time_left"])
    if usage["count"] == usage["limit"] + 1:
        for observer in _block_observers:
            observer(request=request, group=group, rate=rate)
    raise RateLimited(
        retry_after_seconds=retry_after,
        code="RATE_LIMITED",
        message=ngettext(
            "Too many requests; try again in %(seconds)s second.",
            "Too many requests; try again in %(seconds)s seconds.",
            retry_after,
        )
        % {"seconds": retry_after},
        details={"group": group},
    )


def rate_limited_response(request: HttpRequest, error: RateLimited | ServiceUnavailable) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = error_response(error.code, error.message, error.status_code, error.details)
    elif isinstance(error, ServiceUnavailable):
        response = render(
            request,
            "core/problem.html",
            {"title": _("Temporarily unavailable"), "message": error.message},
            status=503,
        )
    else:
        response = render(
            request, "core/rate_limited.html", {"retry_after": error.retry_after_seconds}, status=429
        )
    response["Retry-After"] = str(error.retry_after_seconds)
    return response


def rate_limited(group: str, *, methods: Iterable[str] | str = ALL, key: Callable = user_or_ip) -> Callable:
    """Decorate a Django view function or a DRF/Django class-based view's method."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            request = args[0] if isinstance(args[0], HttpRequest | Request) else args[1]
            try:
                check_rate(request, group, methods=methods, key=key)
            except (RateLimited, ServiceUnavailable) as error:
                if isinstance(request, Request):
                    raise  # the API's exception handler renders the envelope with Retry-After
                return rate_limited_response(request, error)
            return view(*args, **kwargs)

        return wrapper

    return decorate
