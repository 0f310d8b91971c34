"""Who a request is, cached: a bearer token's token, user, membership (organization, roles, permissions),
and a signed-in user's memberships, so that a warm request reads none of them from the database.

Invalidated by generation (apps/core/gencache.py, scopes in cache_scopes.py), bumped by the receivers
below on every save and delete of a token, user, membership, role assignment, organization or role
permission, and by the bulk updates of those models (their querysets bump, models.py) and the bulk role
writes (provisioning/roles.py). A revoked token, a deactivated member or account, a removed role is
refused from the next request on, with the cache warm (tests/access/test_auth_cache.py).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext as _

from apps.access import cache_scopes
from apps.access.cache_scopes import GLOBAL, token_scope, user_scope
from apps.access.models import ApiToken, Membership, Organization
from apps.core import gencache
from apps.core.errors import NotAuthenticated


def _token_key(key_hash: str) -> str:
    return f"access:auth:token:{key_hash}"


def _memberships_key(user_id) -> str:
    return f"access:auth:memberships:{user_id}"


def _warm(membership: Membership) -> Membership:
    """Evaluate what requests ask of a membership, so the cached copy answers without a query."""
    membership.role_names  # noqa: B018 - cached_property
    membership.permission_codenames  # noqa: B018
    return membership


def token_membership(token: ApiToken) -> Membership | None:
    """The active membership a token acts as (its organization's), with its roles and permissions read."""
    membership = (
        Membership.objects.filter(
            user_id=token.user_id,
            organization_id=token.organization_id,
            is_active=True,
            invitation_pending=False,
        )
        .select_related("organization", "user", "manager__user")
        .defer("user__password", "manager__user__password")
        .prefetch_related("roles")
        .first()
    )
    return _warm(membership) if membership is not None else None


def token_authenticate_cached(*, raw: str) -> tuple[ApiToken, Membership | None, bool]:
    """(token, its membership, whether the membership was read) for a bearer token; NotAuthenticated as
    token_authenticate says. A token without an organization caches nothing (its membership depends on
    the request's X-Organization)."""
    from apps.access.services import TOKEN_PREFIX, token_authenticate, token_hash, token_use

    if not raw.startswith(TOKEN_PREFIX):
        raise NotAuthenticated("TOKEN_INVALID", _("The API token is not valid."))
    key_hash = token_hash(raw)
    key = _token_key(key_hash)
    cached = gencache.fetch(key, with_generations=True)
    if cached is not None:
        gens, (token, membership) = cached
        if token_use(token):
            gencache.store(key, (token, membership), gens)
        return token, membership, True
    gens = gencache.generations([GLOBAL, token_scope(key_hash)])
    token = token_authenticate(raw=raw)
    if not token.organization_id:
        return token, None, False
    more = gencache.generations([user_scope(token.user_id)])
    gens = None if gens is None or more is None else gens | more
    membership = token_membership(token)  # read after the user's generation: a deactivation is seen
    if membership is None:
        return token, None, True
    if not membership.user.is_active:
        raise NotAuthenticated("TOKEN_INVALID", _("The API token is not valid."))
    token.user = membership.user
    token.organization = membership.organization
    gencache.store(key, (token, membership), gens)
    return token, membership, True


def memberships_cached(user) -> list[Membership]:
    """memberships_for_user(user) as a list, each with its roles and permissions read."""
    from apps.access.selectors import memberships_for_user

    return gencache.remember(
        _memberships_key(user.pk),
        [GLOBAL, user_scope(user.pk)],
        lambda: [_warm(membership) for membership in memberships_for_user(user=user)],
    )


# --- invalidation -------------------------------------------------------------------------------------


def _token_changed(sender, instance: ApiToken, **kwargs) -> None:
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= {"last_used_at"}:
        return
    cache_scopes.tokens_changed([(instance.key_hash, instance.user_id)])


def _membership_changed(sender, instance: Membership, **kwargs) -> None:
    cache_scopes.users_changed([instance.user_id])


def _user_changed(sender, instance, **kwargs) -> None:
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    cache_scopes.users_changed([instance.pk])


def _everything_changed(sender, **kwargs) -> None:
    cache_scopes.everything_changed()


def _roles_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, Membership):
        cache_scopes.users_changed([instance.user_id])
    else:  # group.memberships.add(...) and the like
        cache_scopes.everything_changed()


def connect() -> None:
    user_model = get_user_model()
    for signal in (post_save, post_delete):
        signal.connect(_token_changed, sender=ApiToken, dispatch_uid=f"auth_cache_token_{signal}")
        signal.connect(_membership_changed, sender=Membership, dispatch_uid=f"auth_cache_member_{signal}")
        signal.connect(_user_changed, sender=user_model, dispatch_uid=f"auth_cache_user_{signal}")
        signal.connect(_everything_changed, sender=Organization, dispatch_uid=f"auth_cache_org_{signal}")
        signal.connect(_everything_changed, sender=Group, dispatch_uid=f"auth_cache_group_{signal}")
    m2m_changed.connect(_roles_changed, sender=Membership.roles.through, dispatch_uid="auth_cache_roles")
    m2m_changed.connect(
        _everything_changed, sender=Group.permissions.through, dispatch_uid="auth_cache_perms"
    )
