"""Where a webhook may be sent: http(s) URLs whose host resolves only to public addresses.

Every address the host resolves to is checked (a name with one public and one private address is
refused), at registration and again before each attempt; the attempt then connects to an address that
was checked, so a DNS answer that changes in between (rebinding) cannot point it elsewhere.
`WEBHOOK_ALLOW_PRIVATE_TARGETS` lifts the address check for the demo and tests.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from apps.core.errors import ValidationFailed


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent
    addresses: tuple[str, ...]


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_global and not address.is_multicast


def parse_url(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit((url or "").strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationFailed(
            "WEBHOOK_URL_INVALID",
            _("Give a full http:// or https:// address for the webhook."),
            {"field": "url"},
        )
    if parts.username or parts.password:
        raise ValidationFailed(
            "WEBHOOK_URL_INVALID",
            _("A webhook address may not contain a user name or password; the signature authenticates it."),
            {"field": "url"},
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationFailed(
            "WEBHOOK_URL_INVALID", _("The port of this address is not valid."), {"field": "url"}
        ) from None
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port, path


def resolve_target(url: str) -> Target:
    """The URL's parts and the addresses to connect to; ValidationFailed when it may not be used."""
    scheme, host, port, path = parse_url(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ValidationFailed(
            "WEBHOOK_TARGET_UNRESOLVABLE",
            _("The host %(host)s of this address could not be found.") % {"host": host},
            {"field": "url"},
        ) from None
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos))
    if not settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        refused = [a for a in addresses if not _public(ipaddress.ip_address(a.split("%")[0]))]
        if refused:
            raise ValidationFailed(
                "WEBHOOK_TARGET_FORBIDDEN",
                _(
                    "Webhooks are not sent to private, loopback or link-local addresses "
                    "(%(host)s is %(addresses)s)."
                )
                % {"host": host, "addresses": ", ".join(refused)},
                {"field": "url", "addresses": refused},
            )
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=addresses)
