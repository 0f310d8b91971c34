"""Organizations (tenants), memberships (a user in an organization) and API tokens.

Roles are Django Groups (see roles.py) held per membership, so a user can be an admin in one
organization and an employee in another.
"""

import zoneinfo
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access import cache_scopes
from apps.core.timezones import is_selectable_timezone


def validate_timezone(value: str) -> None:
    if not is_selectable_timezone(value):
        raise ValidationError(
            _("%(value)s is not a known IANA timezone (for example Asia/Shanghai).") % {"value": repr(value)}
        )


class OrgScopedQuerySet(models.QuerySet):
    """Every tenant-owned query starts here: `Model.objects.for_org(org)`."""

    def for_org(self, organization: "Organization"):
        if organization is None:
            return self.none()
        return self.filter(organization=organization)


class MembershipQuerySet(OrgScopedQuerySet):
    def update(self, **kwargs):
        # A bulk update sends no signal: the cached authentication of the users it touches is stale.
        cache_scopes.users_changed(self.values_list("user_id", flat=True))
        return super().update(**kwargs)


class OrganizationQuerySet(models.QuerySet):
    def update(self, **kwargs):
        cache_scopes.everything_changed()
        return super().update(**kwargs)


class ApiTokenQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if set(kwargs) - {"last_used_at"}:  # a revoke, a rename; not the once-a-minute last use
            cache_scopes.tokens_changed(self.values_list("key_hash", "user_id"))
        return super().update(**kwargs)


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    employee_no = models.CharField(max_length=64, blank=True, default="")
    # The member's DingTalk UserId (`dingtalkUserId` in the API; the column keeps its first name); imports
    # match on it.
    external_id = models.CharField("DingTalk UserId", max_length=64, blank=True, default="")
    display_name = models.CharField(max_length=200, blank=True, default="")
    department = models.CharField(max_length=200, blank=True, default="")
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    is_active = models.BooleanField(default=True)
    # An organization asked to add an account that already existed (in another organization, or none):
    # the account is not attached until its owner accepts the invitation (docs/security.md, "Consent").
    # While pending the membership cannot act, and this organization sees only what its admin typed.
    invitation_pending = models.BooleanField(default=False)
    invited_email = models.CharField(max_length=254, blank=True, default="")
    roles = models.ManyToManyField(Group, blank=True, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organization_id", "employee_no", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user_per_org"),
            # A daily record's (member, organization) pair is one of these (attendance's rule
            # `daily_record_member_org`, checked by triggers on PostgreSQL); id alone is already unique.
            models.UniqueConstraint(fields=["id", "organization"], name="membership_unique_id_org"),
            models.UniqueConstraint(
                fields=["organization", "employee_no"],
                condition=~Q(employee_no=""),
                name="membership_unique_employee_no_per_org",
            ),
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~Q(external_id=""),
                name="membership_unique_external_id_per_org",
            ),
        ]
        # The permission set that roles grant; see roles.py.
        permissions = [
            ("attendance_read", "Read attendance"),
            ("attendance_write", "Write own attendance"),
            ("attendance_approve", "Approve the team's requests"),
            ("attendance_import", "Import attendance data"),
            ("attendance_admin", "Administer the organization"),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.organization.slug}"

    @property
    def name(self) -> str:
        if self.invitation_pending:  # the account's own name is not this organization's to see yet
            return self.display_name or self.user.get_username()
        return self.display_name or self.user.get_full_name() or self.user.get_username()

    @property
    def email(self) -> str:
        """The e-mail this organization sees: the one its admin typed while the invitation is pending."""
        return self.invited_email if self.invitation_pending else self.user.email

    @property
    def account_active(self) -> bool:
        return True if self.invitation_pending else self.user.is_active

    @property
    def last_login(self):
        return None if self.invitation_pending else self.user.last_login

    @property
    def awaiting_acceptance(self) -> bool:
        """Invited and not in yet: a pending account, or a new one whose password was never chosen."""
        if self.invitation_pending:
            return True
        return self.user.last_login is None and not self.user.has_usable_password()

    @cached_property
    def role_names(self) -> list[str]:
        return sorted(group.name for group in self.roles.all())

    @cached_property
    def permission_codenames(self) -> frozenset[str]:
        return frozenset(
            Group.permissions.through.objects.filter(group__memberships=self).values_list(
                "permission__codename", flat=True
            )
        )

    def can(self, codename: str) -> bool:
        """True when one of this membership's roles grants `codename` (e.g. "attendance_approve")."""
        return self.is_active and not self.invitation_pending and codename in self.permission_codenames


class ApiToken(models.Model):
    """An integrator's bearer token. Only the SHA-256 of the token is stored; the raw value is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True, default="")
    prefix = models.CharField(max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def status(self) -> str:
        if self.is_revoked:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "active"


class UserSession(models.Model):
    """The session keys a user signed in with, so that deactivating a member ends their sessions at once
    without scanning every session (see apps/access/sessions.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="usersession_user_time")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.session_key[:6]}…"
