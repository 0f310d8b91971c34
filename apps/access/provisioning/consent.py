"""Consent: an organization that asks to add an account which already exists gets a pending membership
(`Membership.invitation_pending`); the account's owner accepts or declines it from the link in their
e-mail, signed in as that account. Until then the membership cannot act, and the organization sees only
what its admin typed (docs/security.md, "Consent")."""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.access.hooks import record_operation
from apps.access.models import Membership
from apps.core.errors import Conflict, NotFound

SALT = "access.membership.consent"


def consent_link(membership: Membership) -> str:
    token = signing.dumps({"m": membership.pk, "u": membership.user_id}, salt=SALT, compress=True)
    return f"{settings.SITE_URL.rstrip('/')}{reverse('access:invitation', kwargs={'token': token})}"


def invitation_for(*, token: str, user) -> Membership:
    """The pending membership `token` names, if it is `user`'s and still valid; 404 otherwise (whoever
    else opens the link learns nothing)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
    except signing.BadSignature:
        data = None
    membership = None
    if isinstance(data, dict) and data.get("u") == getattr(user, "pk", None):
        membership = (
            Membership.objects.select_related("organization", "user")
            .filter(pk=data.get("m"), user=user, invitation_pending=True)
            .first()
        )
    if membership is None:
        raise NotFound("INVITATION_NOT_FOUND", _("This invitation is not valid any more, or not yours."))
    return membership


@transaction.atomic
def invitation_accept(*, membership: Membership, user) -> Membership:
    """The account's owner agrees: the membership is attached (it acts like any other from now on)."""
    membership = Membership.objects.select_for_update().select_related("organization").get(pk=membership.pk)
    if membership.user_id != user.pk or not membership.invitation_pending:
        raise NotFound("INVITATION_NOT_FOUND", _("This invitation is not valid any more, or not yours."))
    if not membership.is_active:
        raise Conflict("MEMBER_INACTIVE", _("This organization withdrew the invitation."))
    membership.invitation_pending = False
    membership.invited_email = ""
    membership.save(update_fields=["invitation_pending", "invited_email", "updated_at"])
    record_operation(
        action="access.member.accept",
        actor=membership,
        organization=membership.organization,
        target=membership,
        details={"username": user.username},
    )
    return membership


@transaction.atomic
def invitation_decline(*, membership: Membership, user) -> Membership:
    """The owner says no: the membership stays unattached and inactive (the organization sees it
    deactivated)."""
    membership = Membership.objects.select_for_update().select_related("organization").get(pk=membership.pk)
    if membership.user_id != user.pk or not membership.invitation_pending:
        raise NotFound("INVITATION_NOT_FOUND", _("This invitation is not valid any more, or not yours."))
    if membership.is_active:
        membership.is_active = False
        membership.save(update_fields=["is_active", "updated_at"])
    record_operation(
        action="access.member.decline",
        actor=user,
        organization=membership.organization,
        target=membership,
        details={"username": user.username},
    )
    return membership
