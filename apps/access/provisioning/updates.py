"""Changing one member's fields (PATCH /api/attendance-admin/users/{id}, the Admin Center's person page):
only the fields given change; an empty text clears it, a null manager removes the manager, `roles`
replaces the member's roles (the last active administrator keeps theirs)."""

from dataclasses import dataclass, field

from django.db import transaction

from apps.access import roles as role_names
from apps.access.hooks import emit_event, record_operation
from apps.access.models import Membership, Organization
from apps.access.provisioning.common import (
    active_admin_ids,
    last_admin_error,
    lock_organization,
    records_failures,
    resolve_roles,
)
from apps.access.provisioning.fields import clean_text, email_change, refuse_duplicates, resolve_manager
from apps.access.provisioning.members import member_event_data

# The text fields a caller may change -> (the model field, the name in changes, the API and the log).
TEXT_FIELDS = {
    "name": ("display_name", "displayName"),
    "employee_no": ("employee_no", "employeeNo"),
    "dingtalk_user_id": ("external_id", "dingtalkUserId"),
    "department": ("department", "department"),
}
UNSET = object()


@dataclass
class UpdateResult:
    membership: Membership
    changes: dict = field(default_factory=dict)


@records_failures("access.member.update")
@transaction.atomic
def member_update(
    *,
    organization: Organization,
    actor,
    member: Membership,
    name=UNSET,
    email=UNSET,
    employee_no=UNSET,
    dingtalk_user_id=UNSET,
    department=UNSET,
    manager=UNSET,
    roles=UNSET,
) -> UpdateResult:
    """Change the given fields of `member`; one operation-log entry and one `member.updated` event when
    something changed, none when nothing did."""
    given = {
        key: value
        for key, value in {
            "name": name,
            "email": email,
            "employee_no": employee_no,
            "dingtalk_user_id": dingtalk_user_id,
            "department": department,
        }.items()
        if value is not UNSET
    }
    values = clean_text(given)
    groups = None if roles is UNSET else resolve_roles(roles, required=True)
    organization = lock_organization(organization)
    membership = (
        Membership.objects.for_org(organization)
        .select_for_update(of=("self",))  # not the manager's row (an outer join PostgreSQL cannot lock)
        .select_related("user", "manager__user")
        .get(pk=member.pk)
    )
    boss = UNSET if manager is UNSET else resolve_manager(organization, manager, member=membership)
    refuse_duplicates(
        organization,
        member=membership,
        employee_no=values.get("employee_no", ""),
        dingtalk_user_id=values.get("dingtalk_user_id", ""),
    )
    changes: dict = {}
    if values.get("email") and values["email"].lower() != (membership.email or "").lower():
        email_change(membership, values["email"], changes)
    for key, (target, label) in TEXT_FIELDS.items():
        if key in values and values[key] != getattr(membership, target):
            changes[label] = [getattr(membership, target), values[key]]
            setattr(membership, target, values[key])
    if boss is not UNSET and (boss.pk if boss else None) != membership.manager_id:
        changes["manager"] = [
            membership.manager.user.username if membership.manager_id else None,
            boss.user.username if boss else None,
        ]
        membership.manager = boss
    if changes.keys() - {"email"}:
        membership.save()
    if groups is not None:
        _replace_roles(organization, membership, groups, changes)
    if changes:
        record_operation(
            action="access.member.update",
            actor=actor,
            organization=organization,
            target=membership,
            details={"username": membership.user.username, "changes": changes},
        )
        emit_event(
            organization=organization,
            type="member.updated",
            subject=f"member:{membership.pk}",
            data={**member_event_data(membership), "changed": sorted(changes)},
        )
    return UpdateResult(membership, changes)


def _replace_roles(organization: Organization, membership: Membership, groups, changes: dict) -> None:
    held = {group.name: group for group in membership.roles.all()}
    wanted = {group.name for group in groups}
    added = [group for group in groups if group.name not in held]
    removed = [group for name, group in held.items() if name not in wanted]
    if any(group.name == role_names.ADMIN for group in removed):
        admins = active_admin_ids(organization)
        if membership.pk in admins and not admins - {membership.pk}:
            raise last_admin_error(organization)
    if added:
        membership.roles.add(*added)
        changes["rolesAdded"] = sorted(group.name for group in added)
    if removed:
        membership.roles.remove(*removed)
        changes["rolesRemoved"] = sorted(group.name for group in removed)
