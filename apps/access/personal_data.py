"""Personal data of a member: the registry every app fills, and access's own handler.

Personal data lives in several apps and a lower app cannot import a higher one, so each app registers an
`export` and an `erase` handler here from its AppConfig.ready(); `manage.py member_export` and
`member_erase` call them all. A handler is keyed by name (registering again replaces it, so a reloaded
app does not register twice):

- `export(member) -> {section: [row, ...]}`: everything the app holds on the member, JSON-ready rows;
- `erase(member, *, actor) -> {what: count}`: pseudonymize or drop the member's personal values in the
  caller's transaction, keeping the figures payroll needs, and return how many rows changed. A second call
  must change nothing (and return zeros).

Pseudonyms are derived from the membership id and SECRET_KEY, so they are stable across retries and
cannot be reversed to the person without the key.
"""

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access import cache_scopes
from apps.access.models import ApiToken, Membership, UserSession
from apps.access.sessions import end_sessions

ERASED_TEXT = "[erased]"


@dataclass(frozen=True)
class PersonalDataHandler:
    name: str
    export: Callable[[Membership], dict[str, list[dict[str, Any]]]]
    erase: Callable[..., dict[str, int]]


_handlers: dict[str, PersonalDataHandler] = {}


def register_personal_data(
    name: str,
    *,
    export: Callable[[Membership], dict[str, list[dict[str, Any]]]],
    erase: Callable[..., dict[str, int]],
) -> None:
    _handlers[name] = PersonalDataHandler(name=name, export=export, erase=erase)


def personal_data_handlers() -> list[PersonalDataHandler]:
    return [_handlers[name] for name in sorted(_handlers)]


def pseudonym(member: Membership) -> str:
    """A short stable token for the member: the same on every run, meaningless without SECRET_KEY."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"membership:{member.pk}".encode(), hashlib.sha256
    ).hexdigest()
    return digest[:12]


def pseudonymous_identity(member: Membership) -> dict[str, str]:
    token = pseudonym(member)
    return {
        "display_name": f"Erased member {token}",
        "username": f"erased-{token}",
        "email": f"erased-{token}@invalid",
    }


# --- access's own handler -------------------------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_access(member: Membership) -> dict[str, list[dict[str, Any]]]:
    user = member.user
    return {
        "user": [
            {
                "username": user.get_username(),
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "is_active": user.is_active,
                "date_joined": _iso(user.date_joined),
                "last_login": _iso(user.last_login),
            }
        ],
        "membership": [
            {
                "organization": member.organization.slug,
                "employee_no": member.employee_no,
                "external_id": member.external_id,
                "display_name": member.display_name,
                "department": member.department,
                "manager": member.manager.name if member.manager_id else "",
                "is_active": member.is_active,
                "roles": ", ".join(member.role_names),
                "created_at": _iso(member.created_at),
            }
        ],
        "api_tokens": [
            {
                "name": token.name,
                "prefix": token.prefix,
                "created_at": _iso(token.created_at),
                "expires_at": _iso(token.expires_at),
                "revoked_at": _iso(token.revoked_at),
                "last_used_at": _iso(token.last_used_at),
            }
            for token in ApiToken.objects.filter(user=user)
            .filter(Q(organization=member.organization) | Q(organization__isnull=True))
            .order_by("created_at", "id")
        ],
        # The session key is a credential: only when sessions began is personal data worth handing out.
        "sessions": [
            {"created_at": _iso(created_at)}
            for created_at in UserSession.objects.filter(user=user)
            .order_by("created_at")
            .values_list("created_at", flat=True)
        ],
    }


def erase_access(member: Membership, *, actor) -> dict[str, int]:
    """Pseudonymize the membership; the user account too unless it still belongs to another organization
    (a person erased from one employer keeps their account with another)."""
    identity = pseudonymous_identity(member)
    counts = {
        "memberships": 0,
        "users": 0,
        "api_tokens_revoked": 0,
        "api_token_names": 0,
        "sessions_ended": 0,
    }
    counts["memberships"] = (
        Membership.objects.filter(pk=member.pk)
        .exclude(display_name=identity["display_name"], external_id="", is_active=False)
        .update(
            display_name=identity["display_name"], external_id="", is_active=False, updated_at=timezone.now()
        )
    )
    tokens = ApiToken.objects.filter(user_id=member.user_id, organization=member.organization)
    counts["api_tokens_revoked"] = tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    # A token's name is free text its owner chose ("Emma's laptop").
    counts["api_token_names"] = tokens.exclude(name__in=["", ERASED_TEXT]).update(name=ERASED_TEXT)
    shared = Membership.objects.filter(user_id=member.user_id).exclude(pk=member.pk).exists()
    if not shared:
        user_model = get_user_model()
        cache_scopes.users_changed([member.user_id])  # the bulk update below sends no signal
        counts["users"] = (
            user_model.objects.filter(pk=member.user_id)
            .exclude(
                username=identity["username"],
                email=identity["email"],
                first_name="",
                last_name="",
                is_active=False,
            )
            .update(
                username=identity["username"],
                email=identity["email"],
                first_name="",
                last_name="",
                is_active=False,
            )
        )
        counts["api_tokens_revoked"] += ApiToken.objects.filter(
            user_id=member.user_id, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        # Ended once the erase commits (a dry run rolls back and must leave the sessions alone).
        counts["sessions_ended"] = UserSession.objects.filter(user_id=member.user_id).count()
        user = member.user
        transaction.on_commit(lambda: end_sessions(user=user))
    return counts


# Imported once from AppConfig.ready().
register_personal_data("access", export=export_access, erase=erase_access)


# --- selection and the two operations the commands run ---------------------------------------------------


def member_lookup(*, organization_slug: str, identifier: str) -> Membership:
    """The member of `organization_slug` whose user name, employee number or e-mail is `identifier`."""
    from apps.access.models import Organization
    from apps.core.errors import NotFound

    organization = Organization.objects.filter(slug=organization_slug).first()
    if organization is None:
        raise NotFound(
            "ORGANIZATION_NOT_FOUND",
            _("No organization has the slug %(slug)s.") % {"slug": repr(organization_slug)},
        )
    identifier = (identifier or "").strip()
    matches = []
    if identifier:
        matches = list(
            Membership.objects.for_org(organization)
            .filter(
                Q(user__username=identifier) | Q(employee_no=identifier) | Q(user__email__iexact=identifier)
            )
            .select_related("user", "organization", "manager__user")[:2]
        )
    if len(matches) != 1:
        raise NotFound(
            "MEMBER_NOT_FOUND",
            _(
                "No single member of %(organization)s has the user name, employee number or e-mail "
                "%(identifier)s."
            )
            % {"organization": organization.slug, "identifier": repr(identifier)},
            {"matches": len(matches)},
        )
    return matches[0]


def _sections(member: Membership) -> dict[str, list[dict[str, Any]]]:
    sections: dict[str, list[dict[str, Any]]] = {}
    for handler in personal_data_handlers():
        for section, rows in handler.export(member).items():
            sections[f"{handler.name}.{section}"] = rows
    return sections


def member_export(*, member: Membership, out_dir, actor_label: str = "") -> dict[str, int]:
    """Write everything held on `member` to `out_dir`: `export.json` and one CSV per section (cells that
    a spreadsheet would run are escaped). Rewriting the same folder gives the same files. Audited as
    `access.member.export` with the row count of each section."""
    import csv
    import json
    from pathlib import Path

    from django.core.serializers.json import DjangoJSONEncoder

    from apps.access.hooks import record_operation
    from apps.core.spreadsheet import safe_cell

    sections = _sections(member)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    document = {
        "organization": member.organization.slug,
        "member": {"id": member.pk, "employee_no": member.employee_no},
        "exported_at": timezone.now().isoformat(),
        "sections": sections,
    }
    (out / "export.json").write_text(
        json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    for name, rows in sections.items():
        columns = list(dict.fromkeys(key for row in rows for key in row))
        with (out / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([safe_cell(_cell(row.get(column))) for column in columns])
    counts = {name: len(rows) for name, rows in sections.items()}
    record_operation(
        action="access.member.export",
        organization=member.organization,
        target=member,
        actor_label=actor_label,
        details={"counts": counts},
    )
    return counts


def _cell(value: Any) -> Any:
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    if isinstance(value, dict | list):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
    return value


def _ensure_not_last_admin(member: Membership) -> None:
    from apps.access import roles
    from apps.core.errors import Conflict

    if not (member.is_active and roles.ADMIN in member.role_names):
        return
    others = (
        Membership.objects.for_org(member.organization)
        .filter(is_active=True, roles__name=roles.ADMIN)
        .exclude(pk=member.pk)
    )
    if not others.exists():
        raise Conflict(
            "LAST_ADMIN",
            _("This member is the organization's last active admin; make someone else admin first."),
        )


def member_erase(*, member: Membership, confirm: bool, actor_label: str = "") -> dict[str, dict[str, int]]:
    """Pseudonymize `member` across every app in one transaction; returns what changed per app.

    Without `confirm` the same erase runs and is rolled back, so the counts are exactly what a real run
    would change. A run that changes nothing (the member is already erased) records nothing. A real run
    is audited as `access.member.erase` with the counts.
    """
    from apps.access.hooks import record_operation

    with transaction.atomic():
        member = (
            Membership.objects.select_for_update().select_related("user", "organization").get(pk=member.pk)
        )
        _ensure_not_last_admin(member)
        counts = {handler.name: handler.erase(member, actor=None) for handler in personal_data_handlers()}
        changed = any(any(values.values()) for values in counts.values())
        if not confirm:
            transaction.set_rollback(True)
        elif changed:
            record_operation(
                action="access.member.erase",
                organization=member.organization,
                target=member,
                actor_label=actor_label,
                details={"counts": counts},
            )
    return counts
