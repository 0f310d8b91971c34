"""What the provisioning services share: role names, finding members by what a person types, the
organization lock, the last-admin rule and recording refused attempts."""

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Case, CharField, Q, When
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from apps.access import roles as role_names
from apps.access.hooks import record_operation
from apps.access.models import Membership, Organization
from apps.core.errors import Conflict, DomainError, ValidationFailed

# People type "admin"; the groups are called "attendance_admin". Both are accepted.
ROLE_ALIASES = {name.removeprefix("attendance_"): name for name in role_names.ROLE_NAMES}


def resolve_roles(names: Iterable[Any], *, required: bool = True) -> list[Group]:
    wanted, unknown = [], []
    for raw in names or []:
        name = str(raw).strip() if isinstance(raw, str) else ""
        full = name if name in role_names.ROLE_NAMES else ROLE_ALIASES.get(name.lower())
        if full is None:
            unknown.append(raw)
        elif full not in wanted:
            wanted.append(full)
    if unknown:
        raise ValidationFailed(
            "UNKNOWN_ROLE",
            _("Unknown role(s): %(roles)s. Use employee, approver, importer or admin.")
            % {"roles": ", ".join(map(str, unknown))},
            {"fields": {"roles": [_("Unknown role: %(role)s") % {"role": value} for value in unknown]}},
        )
    if required and not wanted:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("Give at least one role."),
            {"fields": {"roles": [_("This list may not be empty.")]}},
        )
    groups = {group.name: group for group in Group.objects.filter(name__in=wanted)}
    return [groups[name] for name in wanted]


def lock_organization(organization: Organization) -> Organization:
    """Serialise writes that change who administers an organization, so that two admins removing each
    other at the same moment cannot leave it with none."""
    return Organization.objects.select_for_update().get(pk=organization.pk)


def active_admin_ids(organization: Organization) -> set[int]:
    return set(
        Membership.objects.for_org(organization)
        .filter(is_active=True, user__is_active=True, roles__name=role_names.ADMIN)
        .values_list("id", flat=True)
    )


def last_admin_error(organization: Organization) -> Conflict:
    return Conflict(
        "LAST_ADMIN",
        _(
            "This would leave %(organization)s without an active administrator; make someone else an admin first."
        )
        % {"organization": organization.name},
    )


def members_by_identifier(organization: Organization, identifiers: list[str]) -> dict[str, list[Membership]]:
    """Each identifier (user name, e-mail, or employee number) -> the members it names in the organization,
    in one query. User names and employee numbers match exactly, e-mail ignoring case."""
    lowered = {identifier.lower() for identifier in identifiers}
    candidates = (
        Membership.objects.for_org(organization)
        .select_related("user")
        .annotate(
            email_lower=Case(
                When(invitation_pending=True, then=Lower("invited_email")),
                default=Lower("user__email"),
                output_field=CharField(),
            )
        )
        .filter(
            Q(user__username__in=identifiers) | Q(employee_no__in=identifiers) | Q(email_lower__in=lowered)
        )
    )
    index: dict[str, dict[int, Membership]] = {}
    for membership in candidates:
        keys = [membership.user.username, membership.employee_no]
        if membership.email_lower:
            keys.append(("@", membership.email_lower))
        for key in keys:
            if key:
                index.setdefault(key, {})[membership.pk] = membership
    found = {}
    for identifier in identifiers:
        matches = {**index.get(identifier, {}), **index.get(("@", identifier.lower()), {})}
        found[identifier] = list(matches.values())
    return found


def records_failures(action: str) -> Callable:
    """Record a refused or failed call of a write service (the service's own entry rolled back with it).
    Permission problems are "denied", everything else "failed"."""

    def decorate(service: Callable) -> Callable:
        @functools.wraps(service)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return service(*args, **kwargs)
            except DomainError as error:
                member = kwargs.get("member")
                record_operation(
                    action=action,
                    actor=kwargs.get("actor"),
                    organization=kwargs.get("organization"),
                    target=member if isinstance(member, Membership) else None,
                    result="denied" if error.status_code in {401, 403} else "failed",
                    details={"code": error.code, "message": error.message, **_inputs(kwargs)},
                )
                raise

        return wrapper

    return decorate


def _inputs(kwargs: dict) -> dict:
    """The plain values a caller gave (not objects, not long lists), for the failure entry."""
    kept = {}
    for name, value in kwargs.items():
        if name in {"organization", "actor", "member"}:
            continue
        if isinstance(value, list | tuple):
            kept[name] = [_loggable(str(item)[:100]) for item in value[:20]] + (
                ["…"] if len(value) > 20 else []
            )
        elif isinstance(value, str | int | bool) or value is None:
            kept[name] = value if not isinstance(value, str) else _loggable(value[:200])
    return kept


def _loggable(text: str) -> str:
    """A NUL character cannot be stored in the log's JSON (PostgreSQL refuses it): shown as U+FFFD."""
    return text.replace("\x00", "\ufffd")
