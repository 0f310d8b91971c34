"""Sign-in events, recorded from Django's auth signals (the one place auth tells us about them)."""

from axes import signals as axes_signals
from django.contrib.auth import signals
from django.dispatch import receiver

from apps.access.selectors import memberships_for_user
from apps.audit.models import OperationLog
from apps.audit.services import audit_record


def _organization_of(user):
    membership = memberships_for_user(user=user).first() if user is not None else None
    return membership.organization if membership else None


@receiver(signals.user_logged_in, dispatch_uid="audit_login")
def record_login(sender, request, user, **kwargs):
    audit_record(action="access.session.login", actor=user, organization=_organization_of(user), target=user)


@receiver(signals.user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(
            action="access.session.logout", actor=user, organization=_organization_of(user), target=user
        )


@receiver(signals.user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        action="access.session.login",
        result=OperationLog.Result.DENIED,
        actor_label=username,
        details={"username": username, "reason": "bad credentials"},
    )


@receiver(axes_signals.user_locked_out, dispatch_uid="audit_login_lockout")
def record_lockout(sender, request, username, ip_address, **kwargs):
    audit_record(
        action="access.session.lockout",
        result=OperationLog.Result.DENIED,
        actor_label=str(username or "")[:150],
        details={"username": username, "address": ip_address, "reason": "too many failed sign-ins"},
    )
