"""Members: provision (create or update), deactivate, reactivate, invite."""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from apps.access import roles as role_names
from apps.access.hooks import emit_event, record_operation
from apps.access.models import ApiToken, Membership, Organization
from apps.access.provisioning.common import (
    active_admin_ids,
    last_admin_error,
    lock_organization,
    records_failures,
    resolve_roles,
)
from apps.access.provisioning.consent import consent_link
from apps.access.provisioning.fields import (
    clean_text,
    email_change,
    email_taken_here,
    refuse_duplicates,
    resolve_manager,
)
from apps.access.sessions import end_sessions
from apps.core.errors import Conflict, ValidationFailed


@dataclass
class ProvisionResult:
    membership: Membership
    status: str  # created | updated | unchanged
    changes: dict = field(default_factory=dict)
    invited: bool = False


def _account_for(*, organization: Organization, username: str, email: str, name: str):
    """The account for a person new to this organization: a new one, or the existing account with that
    user name, which joins only when its owner accepts (consent). Returns (user, pending). Nothing here
    tells the caller whether an account existed: both answers look the same (docs/security.md)."""
    if email and email_taken_here(organization, email):
        raise Conflict(
            "EMAIL_IN_USE",
            _("Another member of this organization already has the e-mail %(email)s.") % {"email": email},
            {"field": "email"},
        )
    users = get_user_model().objects
    user = users.filter(username=username).first()
    if user is None:
        try:
            with transaction.atomic():
                return users.create_user(username=username, email=email, first_name=name[:150]), False
        except IntegrityError:  # created a moment ago elsewhere: an existing account like any other
            user = users.get(username=username)
    return user, True


@records_failures("access.member.provision")
@transaction.atomic
def member_provision(
    *,
    organization: Organization,
    actor,
    username: str,
    email: str = "",
    employee_no: str = "",
    name: str = "",
    department: str = "",
    roles: list[str] | tuple = (),
    manager: str | int | None = "",
    dingtalk_user_id: str = "",
    invite: bool = False,
) -> ProvisionResult:
    """Create the member, or bring an existing one up to date. Empty fields leave values as they are;
    roles are added, never removed (use roles_unassign). Running it again changes nothing."""
    values = clean_text(
        {
            "username": username,
            "email": email,
            "employee_no": employee_no,
            "dingtalk_user_id": dingtalk_user_id,
            "name": name,
            "department": department,
        }
    )
    groups = resolve_roles(roles, required=False)
    organization = lock_organization(organization)
    membership = (
        Membership.objects.for_org(organization)
        .select_related("user", "manager__user")
        .filter(user__username=values["username"])
        .first()
    )
    boss = resolve_manager(organization, manager, member=membership, username=values["username"])
    refuse_duplicates(
        organization,
        member=membership,
        employee_no=values["employee_no"],
        dingtalk_user_id=values["dingtalk_user_id"],
    )
    if membership is None:
        user, pending = _account_for(
            organization=organization, username=values["username"], email=values["email"], name=values["name"]
        )
        membership = Membership.objects.create(
            organization=organization,
            user=user,
            invitation_pending=pending,
            invited_email=values["email"] if pending else "",
            employee_no=values["employee_no"],
            external_id=values["dingtalk_user_id"],
            display_name=values["name"],
            department=values["department"],
            manager=boss,
        )
        groups = groups or resolve_roles([role_names.EMPLOYEE])
        membership.roles.add(*groups)
        result = ProvisionResult(membership, "created")
        record_operation(
            action="access.member.create",
            actor=actor,
            organization=organization,
            target=membership,
            details={
                "username": user.username,
                "email": membership.email,
                "employeeNo": membership.employee_no,
                "dingtalkUserId": membership.external_id,
                "department": membership.department,
                "roles": [group.name for group in groups],
                "manager": boss.user.username if boss else None,
            },
        )
        emit_event(
            organization=organization,
            type="member.created",
            subject=f"member:{membership.pk}",
            data={**member_event_data(membership), "roles": [group.name for group in groups]},
        )
    else:
        result = ProvisionResult(membership, "unchanged", _update(membership, values, boss, groups))
        if result.changes:
            result.status = "updated"
            record_operation(
                action="access.member.update",
                actor=actor,
                organization=organization,
                target=membership,
                details={"username": membership.user.username, "changes": result.changes},
            )
    if invite and result.status == "created":
        result.invited = _invite(organization=organization, actor=actor, member=membership)
    return result


def _update(membership: Membership, values: dict, boss: Membership | None, groups) -> dict:
    changes: dict = {}
    if values["email"] and values["email"].lower() != (membership.email or "").lower():
        email_change(membership, values["email"], changes)
    fields = {
        "employee_no": ("employee_no", "employeeNo"),
        "dingtalk_user_id": ("external_id", "dingtalkUserId"),
        "name": ("display_name", "displayName"),
        "department": ("department", "department"),
    }
    for source, (target, label) in fields.items():
        if values[source] and values[source] != getattr(membership, target):
            changes[label] = [getattr(membership, target), values[source]]
            setattr(membership, target, values[source])
    if boss is not None and boss.pk != membership.manager_id:
        changes["manager"] = [
            membership.manager.user.username if membership.manager_id else None,
            boss.user.username,
        ]
        membership.manager = boss
    if changes.keys() - {"email"}:
        membership.save()
    held = set(membership.roles.values_list("name", flat=True))
    added = [group for group in groups if group.name not in held]
    if added:
        membership.roles.add(*added)
        changes["rolesAdded"] = [group.name for group in added]
    return changes


def member_event_data(membership: Membership) -> dict:
    """What webhook events say about a member (docs/integrations.md)."""
    return {
        "memberId": membership.pk,
        "username": membership.user.username,
        "employeeNo": membership.employee_no,
        "dingtalkUserId": membership.external_id,
        "name": membership.name,
        "department": membership.department,
        "managerId": membership.manager_id,
    }


@dataclass
class DeactivationResult:
    membership: Membership
    changed: bool
    sessions_ended: int = 0
    tokens_revoked: int = 0
    user_deactivated: bool = False


@records_failures("access.member.deactivate")
@transaction.atomic
def member_deactivate(*, organization: Organization, actor, member: Membership) -> DeactivationResult:
    """Deactivate a member: they lose access to this organization at once. Sessions that act in it end
    and its tokens are revoked; when this was their only active membership the account is deactivated
    too (all their sessions and tokens end). Sessions and tokens acting in another organization stay. A
    member whose invitation is still pending only stops being invited. Deactivating again changes
    nothing."""
    organization = lock_organization(organization)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=member.pk)
    if not membership.is_active:
        return DeactivationResult(membership, changed=False)
    admins = active_admin_ids(organization)
    if membership.pk in admins and not admins - {membership.pk}:
        raise last_admin_error(organization)
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    user = membership.user
    if membership.invitation_pending:
        # Not attached yet: nothing of the account is this organization's to end.
        result = DeactivationResult(membership, changed=True)
    else:
        elsewhere = (
            Membership.objects.filter(user=user, is_active=True, invitation_pending=False)
            .exclude(pk=membership.pk)
            .exists()
        )
        tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
        if elsewhere:
            # Tokens bound to another organization stay; an unbound one can no longer act here anyway.
            tokens = tokens.filter(organization=organization)
        else:
            user.is_active = False
            user.save(update_fields=["is_active"])
        result = DeactivationResult(
            membership,
            changed=True,
            tokens_revoked=tokens.update(revoked_at=timezone.now()),
            sessions_ended=end_sessions(user=user, organization=organization if elsewhere else None),
            user_deactivated=not elsewhere,
        )
    record_operation(
        action="access.member.deactivate",
        actor=actor,
        organization=organization,
        target=membership,
        details={
            "username": user.username,
            "sessionsEnded": result.sessions_ended,
            "tokensRevoked": result.tokens_revoked,
            "accountDeactivated": result.user_deactivated,
        },
    )
    emit_event(
        organization=organization,
        type="member.deactivated",
        subject=f"member:{membership.pk}",
        data=member_event_data(membership),
    )
    return result


@records_failures("access.member.reactivate")
@transaction.atomic
def member_reactivate(*, organization: Organization, actor, member: Membership) -> Membership:
    """Give a deactivated member access again (revoked tokens stay revoked). Safe to repeat."""
    organization = lock_organization(organization)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=member.pk)
    if membership.is_active and membership.account_active:
        return membership
    membership.is_active = True
    membership.save(update_fields=["is_active", "updated_at"])
    if not membership.invitation_pending and not membership.user.is_active:
        membership.user.is_active = True
        membership.user.save(update_fields=["is_active"])
    record_operation(
        action="access.member.reactivate",
        actor=actor,
        organization=organization,
        target=membership,
        details={"username": membership.user.username},
    )
    return membership


def invitation_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("access:password-set", kwargs={"uidb64": uid, "token": token})
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _invite(*, organization: Organization, actor, member: Membership) -> bool:
    """Mail a new account a set-password link; mail an existing account (a pending member) a link to
    accept or decline joining. The caller sees the same answer and the same log entry either way."""
    user = member.user
    email = member.email
    if not email:
        raise ValidationFailed(
            "EMAIL_REQUIRED",
            _("This member has no e-mail address to send the invitation to."),
            {"field": "email"},
        )
    if not member.is_active or not member.account_active:
        raise Conflict("MEMBER_INACTIVE", _("Reactivate this member before inviting them."))
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    if member.invitation_pending:
        # To the account's own address (the typed one may not be its owner's); nothing without one.
        recipient, link = user.email, consent_link(member)
        subject = f"{organization.name} asks you to join it on TimeLedger"
        body = (
            f"Hello,\n\n{organization.name} would like to add your TimeLedger account {user.username} as a "
            f"member. Nothing changes unless you agree.\nSign in and accept or decline here (the link "
            f"works for {days} days):\n\n{link}\n\nIf you do not know {organization.name}, ignore this "
            "e-mail.\n"
        )
    else:
        recipient, link = user.email, invitation_link(user)
        subject = f"You are invited to {organization.name} on TimeLedger"
        body = (
            f"Hello {member.name},\n\n{organization.name} invited you to TimeLedger as {user.username}.\n"
            f"Choose your password here (the link works once, for {days} days):\n\n{link}\n"
        )
    if recipient:
        # Sent after commit: a rolled-back provisioning never mails anyone.
        transaction.on_commit(lambda: send_mail(subject, body, None, [recipient]))
    record_operation(
        action="access.member.invite",
        actor=actor,
        organization=organization,
        target=member,
        details={"username": user.username, "email": email},
    )
    return True


@records_failures("access.member.invite")
@transaction.atomic
def member_invite(*, organization: Organization, actor, member: Membership) -> Membership:
    """Mail the member a link to set their password. Each call sends a fresh link."""
    membership = Membership.objects.select_related("user").get(pk=member.pk)
    _invite(organization=organization, actor=actor, member=membership)
    return membership
