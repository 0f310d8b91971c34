"""Writes the base layout offers: choosing which of the user's organizations the session acts in."""

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.access.selectors import ACTIVE_ORG_SESSION_KEY, memberships_for_user
from apps.audit.models import OperationLog
from apps.audit.services import audit_record
from apps.core.errors import Forbidden

ACTION = "access.session.switch_organization"


def active_organization_switch(*, session: SessionBase, user: AbstractBaseUser, slug: str) -> Membership:
    """Make `slug` the organization this session acts in. Only an organization the user is an active
    member of is accepted; a refusal is audited and leaves the session as it was."""
    membership = memberships_for_user(user=user).filter(organization__slug=slug).first()
    if membership is None:
        # Recorded outside any transaction that the refusal would roll back.
        audit_record(
            action=ACTION, actor=user, result=OperationLog.Result.DENIED, details={"organization": slug[:100]}
        )
        raise Forbidden("NO_MEMBERSHIP", _("You are not a member of that organization."))
    with transaction.atomic():
        audit_record(
            action=ACTION,
            actor=membership,
            target=membership.organization,
            details={"from": session.get(ACTIVE_ORG_SESSION_KEY, ""), "to": membership.organization.slug},
        )
        session[ACTIVE_ORG_SESSION_KEY] = membership.organization.slug
    return membership
