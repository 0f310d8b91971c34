"""Writes of the access app: API tokens, the organization's timezone and the organization a session acts
in. Members and roles are in provisioning/, the IP allowlist in ip_allowlist.py, retention in retention.py."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access.hooks import record_operation
from apps.access.models import ApiToken, Membership, Organization
from apps.access.selectors import ACTIVE_ORG_SESSION_KEY, memberships_for_user
from apps.core.errors import Forbidden, NotAuthenticated, NotFound, ValidationFailed
from apps.core.timezones import is_selectable_timezone

TOKEN_PREFIX = "tl_"  # noqa: S105 - a marker, not a secret
MAX_TOKEN_DAYS = 3650


def token_hash(raw: str) -> str:
    # Tokens carry 256 bits of randomness, so a plain SHA-256 is a sound one-way store (no salt needed).
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str


def token_create(
    *,
    user: AbstractBaseUser,
    created_by: AbstractBaseUser | None = None,
    organization: Organization | None = None,
    name: str = "",
    expires_days: int | None = None,
) -> IssuedToken:
    """Issue a token for `user`. The raw value is returned once and never stored."""
    if expires_days is not None and not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("expires-days must be between 1 and %(max_days)s.") % {"max_days": MAX_TOKEN_DAYS},
            {"field": "expiresDays"},
        )
    if not user.is_active:
        raise ValidationFailed("USER_INACTIVE", _("Tokens can only be issued to active users."))
    secret = secrets.token_urlsafe(32)
    while secret.startswith("-"):
        # The prefix is typed on command lines (`tokens revoke <prefix>`), where a leading dash reads
        # as an option; drawing again keeps the token uniformly random over the remaining values.
        secret = secrets.token_urlsafe(32)
    raw = f"{TOKEN_PREFIX}{secret}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            organization=organization,
            name=name[:100],
            prefix=secret[:8],
            key_hash=token_hash(raw),
            created_by=created_by,
            expires_at=timezone.now() + timedelta(days=expires_days) if expires_days else None,
        )
        record_operation(
            action="access.token.create",
            actor=created_by,
            organization=organization,
            target=token,
            details={"user": user.get_username(), "prefix": token.prefix, "expiresAt": token.expires_at},
        )
    return IssuedToken(token=token, raw=raw)


def token_revoke(
    *, token_id: int | None = None, prefix: str = "", actor: AbstractBaseUser | None = None
) -> ApiToken:
    """Revoke a token by id or prefix. Revoking a revoked token is a no-op that returns it (safe to retry)."""
    with transaction.atomic():
        tokens = ApiToken.objects.select_for_update()
        if token_id is not None:
            tokens = tokens.filter(pk=token_id)
        elif prefix:
            tokens = tokens.filter(prefix=prefix.removeprefix(TOKEN_PREFIX)[:8])
        else:
            raise ValidationFailed("VALIDATION_ERROR", _("Give a token id or prefix."))
        matches = list(tokens[:2])
        if not matches:
            raise NotFound("TOKEN_NOT_FOUND", _("No token has that id or prefix."))
        if len(matches) > 1:
            raise ValidationFailed("TOKEN_AMBIGUOUS", _("More than one token has that prefix; use its id."))
        token = matches[0]
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record_operation(
                action="access.token.revoke",
                actor=actor,
                organization=token.organization,
                target=token,
                details={"user": token.user.get_username(), "prefix": token.prefix},
            )
    return token


LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_authenticate(*, raw: str) -> ApiToken:
    """The token behind `raw`, or NotAuthenticated with a code saying why."""
    if not raw.startswith(TOKEN_PREFIX):
        raise NotAuthenticated("TOKEN_INVALID", _("The API token is not valid."))
    token = ApiToken.objects.select_related("user", "organization").filter(key_hash=token_hash(raw)).first()
    if token is None or not token.user.is_active:
        raise NotAuthenticated("TOKEN_INVALID", _("The API token is not valid."))
    if token.is_revoked:
        raise NotAuthenticated("TOKEN_REVOKED", _("The API token was revoked."))
    token_use(token)
    return token


def token_use(token: ApiToken) -> bool:
    """Refuse an expired token (NotAuthenticated TOKEN_EXPIRED), else record its use; True when
    last_used_at was written. It is touched at most once a minute, so that a busy integrator does not write
    on every call (and a cached token is stored again only then)."""
    if token.is_expired:
        raise NotAuthenticated("TOKEN_EXPIRED", _("The API token has expired."))
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at <= LAST_USED_RESOLUTION:
        return False
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
    return True


def tokens_purge(*, older_than_days: int, actor: AbstractBaseUser | None = None) -> int:
    """Delete tokens revoked or expired more than `older_than_days` ago; returns how many.

    Recently dead tokens are kept so that an integrator still hears TOKEN_REVOKED / TOKEN_EXPIRED (not
    TOKEN_INVALID) for a while. Running it again deletes nothing new, so a redelivered task is harmless."""
    if older_than_days < 1:
        raise ValidationFailed("VALIDATION_ERROR", _("older-than-days must be at least 1."))
    cutoff = timezone.now() - timedelta(days=older_than_days)
    with transaction.atomic():
        dead = dict(
            ApiToken.objects.select_for_update()
            .filter(Q(revoked_at__lt=cutoff) | Q(expires_at__lt=cutoff))
            .values_list("pk", "prefix")
        )
        if not dead:
            return 0
        ApiToken.objects.filter(pk__in=dead).delete()
        record_operation(
            action="access.token.purge",
            actor=actor,
            details={
                "count": len(dead),
                "prefixes": sorted(dead.values())[:100],
                "olderThanDays": older_than_days,
            },
        )
    return len(dead)


def organization_timezone_update(
    *, organization: Organization, timezone_name: str, actor: Membership | None = None
) -> Organization:
    """Change the organization's timezone (an IANA name). Work dates of new punches follow it; existing
    records keep their dates. Setting the zone it already has records nothing."""
    name = (timezone_name or "").strip()
    if not is_selectable_timezone(name):
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("Choose a timezone from the list (an IANA name such as Asia/Shanghai)."),
            {"fields": {"timezone": [_("Not a known timezone.")]}},
        )
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        before = organization.timezone
        if before != name:
            organization.timezone = name
            organization.save(update_fields=["timezone"])
            # The action keeps the name the log has always had for it (it is set on the attendance
            # settings page, and filters by the `attendance.` prefix find it).
            record_operation(
                action="attendance.organization_timezone.update",
                actor=actor,
                organization=organization,
                target=organization,
                details={"before": before, "after": name},
            )
    return organization


ORGANIZATION_SWITCH = "access.session.switch_organization"


def active_organization_switch(*, session: SessionBase, user: AbstractBaseUser, slug: str) -> Membership:
    """Make `slug` the organization this session acts in. Only an organization the user is an active
    member of is accepted; a refusal is audited and leaves the session as it was."""
    membership = memberships_for_user(user=user).filter(organization__slug=slug).first()
    if membership is None:
        # Recorded outside any transaction that the refusal would roll back.
        record_operation(
            action=ORGANIZATION_SWITCH, actor=user, result="denied", details={"organization": slug[:100]}
        )
        raise Forbidden("NO_MEMBERSHIP", _("You are not a member of that organization."))
    with transaction.atomic():
        record_operation(
            action=ORGANIZATION_SWITCH,
            actor=membership,
            target=membership.organization,
            details={"from": session.get(ACTIVE_ORG_SESSION_KEY, ""), "to": membership.organization.slug},
        )
        session[ACTIVE_ORG_SESSION_KEY] = membership.organization.slug
    return membership
