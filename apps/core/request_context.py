"""What the current request is (id, client address, user, organization), readable anywhere.

Set by RequestContextMiddleware; read by logging, the audit service and services that need the
client address. Context variables keep it per request under threads and async alike.
"""

import ipaddress
import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, replace

from django.conf import settings
from django.http import HttpRequest

REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str = ""
    user_agent: str = ""
    path: str = ""
    method: str = ""
    user_id: int | None = None
    username: str = ""
    organization: str = ""


_current: ContextVar[RequestContext] = ContextVar("timeledger_request_context", default=RequestContext())  # noqa: B039


def current() -> RequestContext:
    return _current.get()


def set_current(context: RequestContext):
    return _current.set(context)


def reset(token) -> None:
    _current.reset(token)


def update(**changes) -> None:
    _current.set(replace(_current.get(), **changes))


# A Celery task carries the context of the request that queued it (a message header), so that its log lines
# and audit entries name the same request id, client and user as the request's own.
TASK_HEADER = "timeledger_context"
_CARRIED = ("request_id", "ip", "user_agent", "user_id", "username", "organization")


def carried() -> dict:
    """What a task queued now carries of the current request: nothing outside a request."""
    context = current()
    return {name: getattr(context, name) for name in _CARRIED} if context.request_id else {}


def from_carried(data, *, fallback_id: str) -> RequestContext:
    """The context a task runs in: the carried one, or (queued outside a request, as beat's are) one whose
    request id is the task's own id. A header that is not ours is ignored."""
    values = {name: data.get(name) for name in _CARRIED} if isinstance(data, dict) else {}
    request_id = values.get("request_id")
    if not (isinstance(request_id, str) and REQUEST_ID_PATTERN.fullmatch(request_id)):
        return RequestContext(request_id=fallback_id[:64])
    user_id = values.get("user_id")
    return RequestContext(
        request_id=request_id,
        ip=str(values.get("ip") or "")[:64],
        user_agent=str(values.get("user_agent") or "")[:300],
        user_id=user_id if isinstance(user_id, int) else None,
        username=str(values.get("username") or "")[:150],
        organization=str(values.get("organization") or "")[:100],
    )


def request_id_from(request: HttpRequest) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if REQUEST_ID_PATTERN.fullmatch(given) else uuid.uuid4().hex


def _in_networks(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for network in networks:
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def from_trusted_proxy(request: HttpRequest) -> bool:
    return _in_networks(request.META.get("REMOTE_ADDR", ""), settings.TRUSTED_PROXIES)


def client_ip(request: HttpRequest) -> str:
    """The client's address: X-Forwarded-For is believed only when the direct peer is a trusted proxy."""
    peer = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and from_trusted_proxy(request):
        # Walk from the right: the nearest hop not itself a trusted proxy is the client.
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not _in_networks(hop, settings.TRUSTED_PROXIES):
                try:
                    return str(ipaddress.ip_address(hop))
                except ValueError:
                    return peer
        if hops:
            return hops[0]
    return peer


def ip_allowed(address: str, networks: list[str]) -> bool:
    return _in_networks(address, networks)


def axes_client_ip(request: HttpRequest) -> str:
    return client_ip(request)
