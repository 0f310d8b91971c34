"""Per-organization IP allowlists: which client addresses may use the administration API and Admin Center
(and, optionally, the whole API).

Stored in `Organization.settings["ipAllowlist"] = {"admin": ["10.0.0.0/8", "2001:db8::/32"], "allApi": false}`;
an empty list means no restriction. Enforced by apps.access.ip_guard.IpAllowlistMiddleware with the client
address from request_context.client_ip (X-Forwarded-For only believed from TRUSTED_PROXIES).
"""

import ipaddress
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from apps.access.hooks import record_operation
from apps.access.models import Organization
from apps.access.provisioning.common import lock_organization, records_failures
from apps.core.errors import Conflict, ValidationFailed
from apps.core.request_context import ip_allowed

SETTINGS_KEY = "ipAllowlist"
MAX_ENTRIES = 200
ADMIN_PREFIXES = ("/api/attendance-admin/", "/admin-center/")


@dataclass(frozen=True)
class IpAllowlist:
    admin: tuple[str, ...] = ()
    all_api: bool = False

    def applies_to(self, path: str) -> bool:
        if not self.admin:
            return False
        return path.startswith(ADMIN_PREFIXES) or (self.all_api and path.startswith("/api/"))

    def allows(self, address: str) -> bool:
        return ip_allowed(address, list(self.admin))

    def as_json(self) -> dict:
        return {"admin": list(self.admin), "allApi": self.all_api}


def ip_allowlist(organization: Organization | None) -> IpAllowlist:
    stored = (organization.settings or {}).get(SETTINGS_KEY) if organization else None
    if not isinstance(stored, dict):
        return IpAllowlist()
    admin = stored.get("admin") or []
    return IpAllowlist(
        admin=tuple(str(item) for item in admin) if isinstance(admin, list) else (),
        all_api=stored.get("allApi") is True,
    )


def parse_networks(values: list) -> list[str]:
    """Normalise CIDRs and plain addresses (IPv4 or IPv6) to networks; reject anything else."""
    if not isinstance(values, list):
        raise ValidationFailed("VALIDATION_ERROR", _("Give a list of addresses or CIDR ranges."))
    if len(values) > MAX_ENTRIES:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("At most %(max_entries)s entries.") % {"max_entries": MAX_ENTRIES},
            {
                "fields": {
                    "admin": [
                        _("%(given)s given, %(allowed)s allowed.")
                        % {"given": len(values), "allowed": MAX_ENTRIES}
                    ]
                }
            },
        )
    networks, bad = [], []
    for value in values:
        try:
            network = str(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError:
            bad.append(_("%(value)s is not an IPv4/IPv6 address or CIDR range.") % {"value": value})
            continue
        if network not in networks:
            networks.append(network)
    if bad:
        raise ValidationFailed(
            "VALIDATION_ERROR", _("Some entries are not valid."), {"fields": {"admin": bad}}
        )
    return networks


@records_failures("access.ip_allowlist.update")
@transaction.atomic
def ip_allowlist_update(
    *, organization: Organization, actor, admin: list, all_api: bool, client_ip: str
) -> IpAllowlist:
    """Replace the allowlist. Refuses (409 WOULD_LOCK_OUT) a list that does not include the caller's own
    address, so an admin cannot shut themselves out."""
    networks = parse_networks(admin)
    if networks and not ip_allowed(client_ip, networks):
        raise Conflict(
            "WOULD_LOCK_OUT",
            _("Your own address (%(client_ip)s) is not in the list; saving it would lock you out.")
            % {"client_ip": client_ip},
            {"yourAddress": client_ip},
        )
    organization = lock_organization(organization)
    before = ip_allowlist(organization)
    after = IpAllowlist(admin=tuple(networks), all_api=bool(all_api))
    organization.settings = {**(organization.settings or {}), SETTINGS_KEY: after.as_json()}
    organization.save(update_fields=["settings"])
    if after != before:
        record_operation(
            action="access.ip_allowlist.update",
            actor=actor,
            organization=organization,
            target=organization,
            details={"before": before.as_json(), "after": after.as_json(), "clientIp": client_ip},
        )
    return after
