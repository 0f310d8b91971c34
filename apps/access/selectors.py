"""Reads of the access app. The active membership of a request is resolved here, once per request."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from apps.access import roles
from apps.access.models import ApiToken, Membership, Organization
from apps.core.errors import NotFound
from apps.core.params import ascii_int

ACTIVE_ORG_SESSION_KEY = "active_organization"
ORG_HEADER = "X-Organization"


def memberships_for_user(*, user: AbstractBaseUser) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(
            user=user, is_active=True, invitation_pending=False, organization__isnull=False
        )
        .select_related("organization", "user", "manager__user")
        .prefetch_related("roles")
        .order_by("id")
    )


def _http_request(request) -> HttpRequest:
    # A DRF Request wraps the HttpRequest; cache on the inner one so pages and the API share it.
    return getattr(request, "_request", request)


def active_membership(request) -> Membership | None:
    """The membership the request acts as: the token's organization, else the X-Organization header
    (slug), else the one chosen in the session, else the user's first membership."""
    http_request = _http_request(request)
    if hasattr(http_request, "_timeledger_membership"):
        return http_request._timeledger_membership
    user = getattr(request, "user", None)
    membership = None
    auth = getattr(request, "auth", None)
    if user is not None and user.is_authenticated and isinstance(auth, ApiToken) and auth.organization_id:
        # A token names its organization: read that one membership (its roles are read when asked for),
        # not every membership of the user with their roles.
        membership = (
            Membership.objects.filter(
                user=user,
                organization_id=auth.organization_id,
                is_active=True,
                invitation_pending=False,
                organization__isnull=False,
            )
            .select_related("organization", "user", "manager__user")
            .first()
        )
    elif user is not None and user.is_authenticated:
        from apps.access.auth_cache import memberships_cached

        memberships = memberships_cached(user)
        wanted = None
        if http_request.headers.get(ORG_HEADER):
            wanted = http_request.headers[ORG_HEADER]
        elif hasattr(http_request, "session"):
            wanted = http_request.session.get(ACTIVE_ORG_SESSION_KEY)
        if wanted:
            membership = next((m for m in memberships if m.organization.slug == wanted), None)
        elif memberships:
            membership = memberships[0]
    http_request._timeledger_membership = membership
    return membership


def tokens_for_user(*, user: AbstractBaseUser) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).select_related("organization").order_by("-created_at", "-id")


def members_search(
    *, organization: Organization, q: str = "", active: bool | None = None
) -> QuerySet[Membership]:
    """The organization's members (active and not), optionally matching `q` in user name, name, e-mail or
    employee number."""
    members = (
        Membership.objects.for_org(organization)
        .select_related("user", "manager__user")
        .prefetch_related("roles")
        .order_by("employee_no", "id")
    )
    if active is not None:
        members = members.filter(is_active=active)
    q = q.strip()
    if q:
        # A pending member is found only by what this organization typed (never the account's own e-mail
        # or name).
        accepted = Q(invitation_pending=False)
        members = members.filter(
            Q(user__username__icontains=q)
            | (accepted & Q(user__email__icontains=q))
            | Q(invitation_pending=True, invited_email__icontains=q)
            | Q(employee_no__icontains=q)
            | Q(display_name__icontains=q)
            | (accepted & Q(user__first_name__icontains=q))
            | (accepted & Q(user__last_name__icontains=q))
        )
    return members


def manager_candidates(*, organization: Organization, exclude: Membership | None = None) -> list[Membership]:
    """The active members who can be chosen as someone's manager, by name (at most 2,000)."""
    members = Membership.objects.for_org(organization).filter(is_active=True).select_related("user")
    if exclude is not None:
        members = members.exclude(pk=exclude.pk)
    return sorted(members[:2000], key=lambda member: member.name.lower())


def member_for_user_id(*, organization: Organization, user_id) -> Membership:
    """The member of `organization` whose user id is `user_id`; 404 otherwise, also when that user exists
    only in another organization (nothing about it leaks)."""
    membership = None
    if ascii_int(user_id) is not None:
        membership = (
            Membership.objects.for_org(organization)
            .select_related("user", "manager__user", "organization")
            .prefetch_related("roles")
            .filter(user_id=ascii_int(user_id))
            .first()
        )
    if membership is None:
        raise NotFound("MEMBER_NOT_FOUND", _("No member of this organization has that id."))
    return membership


def account_seen_by(member: Membership):
    """The account as `member`'s organization may see it: while the invitation is pending, only what its
    admin typed (no name, e-mail, state or last sign-in of the account)."""
    if not member.invitation_pending:
        return member.user
    from types import SimpleNamespace

    return SimpleNamespace(
        id=member.user_id,
        username=member.user.username,
        email=member.invited_email,
        get_full_name=lambda: member.display_name,
        is_active=True,
        last_login=None,
    )


def administered_memberships(*, admin: Membership, user_id: int) -> list[Membership]:
    """`user_id`'s memberships in the organizations where `admin`'s user is an active admin."""
    orgs = Membership.objects.filter(
        user=admin.user, is_active=True, invitation_pending=False, roles__name=roles.ADMIN
    ).values_list("organization_id", flat=True)
    return list(
        Membership.objects.filter(user_id=user_id, organization_id__in=orgs)
        .select_related("organization", "user", "manager__user")
        .prefetch_related("roles")
        .order_by("organization__slug")
    )
