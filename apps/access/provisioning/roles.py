"""Role assignment for one member or a batch of up to 1,000, by user name, e-mail or employee number."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from apps.access import cache_scopes
from apps.access import roles as role_names
from apps.access.hooks import record_operation
from apps.access.models import Membership, Organization
from apps.access.provisioning.common import (
    active_admin_ids,
    last_admin_error,
    lock_organization,
    members_by_identifier,
    records_failures,
    resolve_roles,
)
from apps.core.errors import Unprocessable, ValidationFailed

MAX_BATCH_USERS = 1000
Through = Membership.roles.through

# Per-item outcomes. The first two are success; the rest leave that member unchanged.
CHANGED, UNCHANGED = "changed", "unchanged"
NOT_FOUND, AMBIGUOUS, DUPLICATE, INVALID, LAST_ADMIN = (
    "not_found",
    "ambiguous",
    "duplicate",
    "invalid",
    "last_admin",
)


@dataclass
class RoleChange:
    membership: Membership
    roles: list[str]  # the roles added (assign) or removed (unassign)


def _held(membership_ids: list[int], group_ids: list[int]) -> set[tuple[int, int]]:
    return set(
        Through.objects.filter(membership_id__in=membership_ids, group_id__in=group_ids).values_list(
            "membership_id", "group_id"
        )
    )


def _assign(memberships: list[Membership], groups) -> dict[int, list[str]]:
    held = _held([m.pk for m in memberships], [g.pk for g in groups])
    added = {m.pk: [g.name for g in groups if (m.pk, g.pk) not in held] for m in memberships}
    cache_scopes.users_changed(m.user_id for m in memberships)  # a bulk write sends no signal
    Through.objects.bulk_create(
        [
            Through(membership_id=m.pk, group_id=g.pk)
            for m in memberships
            for g in groups
            if (m.pk, g.pk) not in held
        ],
        ignore_conflicts=True,
    )
    return added


def _unassign(memberships: list[Membership], groups) -> dict[int, list[str]]:
    held = _held([m.pk for m in memberships], [g.pk for g in groups])
    removed = {m.pk: [g.name for g in groups if (m.pk, g.pk) in held] for m in memberships}
    cache_scopes.users_changed(m.user_id for m in memberships)
    for group in groups:
        ids = [m for m, g in held if g == group.pk]
        if ids:
            Through.objects.filter(group_id=group.pk, membership_id__in=ids).delete()
    return removed


def _removes_last_admin(organization: Organization, memberships: list[Membership], groups) -> bool:
    if role_names.ADMIN not in {group.name for group in groups}:
        return False
    admins = active_admin_ids(organization)
    return bool(admins) and not admins - {m.pk for m in memberships}


@records_failures("access.role.assign")
@transaction.atomic
def roles_assign(*, organization: Organization, actor, member: Membership, roles: list[str]) -> RoleChange:
    """Give one member these roles. Roles they hold already are left alone; a retry changes nothing."""
    groups = resolve_roles(roles)
    organization = lock_organization(organization)
    added = _assign([member], groups)[member.pk]
    if added:
        record_operation(
            action="access.role.assign",
            actor=actor,
            organization=organization,
            target=member,
            details={"username": member.user.username, "roles": added},
        )
    return RoleChange(member, added)


@records_failures("access.role.unassign")
@transaction.atomic
def roles_unassign(*, organization: Organization, actor, member: Membership, roles: list[str]) -> RoleChange:
    """Take these roles from one member. Refuses (409 LAST_ADMIN) to remove the last active admin."""
    groups = resolve_roles(roles)
    organization = lock_organization(organization)
    if _removes_last_admin(organization, [member], groups):
        raise last_admin_error(organization)
    removed = _unassign([member], groups)[member.pk]
    if removed:
        record_operation(
            action="access.role.unassign",
            actor=actor,
            organization=organization,
            target=member,
            details={"username": member.user.username, "roles": removed},
        )
    return RoleChange(member, removed)


@dataclass
class BatchReport:
    roles: list[str]
    items: list[dict] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item["status"]] = counts.get(item["status"], 0) + 1
        return counts

    @property
    def ok(self) -> bool:
        return all(item["status"] in {CHANGED, UNCHANGED} for item in self.items)


def _validated_users(users) -> list:
    if not isinstance(users, list) or not users:
        raise ValidationFailed(
            "VALIDATION_ERROR",
            _("Give a list of users."),
            {"fields": {"users": [_("A non-empty list is required.")]}},
        )
    if len(users) > MAX_BATCH_USERS:
        raise ValidationFailed(
            "BATCH_TOO_LARGE",
            _("At most %(max_users)s users per request; split the list.") % {"max_users": MAX_BATCH_USERS},
            {
                "fields": {
                    "users": [
                        _("%(given)s given, %(allowed)s allowed.")
                        % {"given": len(users), "allowed": MAX_BATCH_USERS}
                    ]
                }
            },
        )
    return users


def _resolve_items(organization: Organization, users: list) -> tuple[list[dict], dict[int, Membership]]:
    identifiers = [user.strip() for user in users if isinstance(user, str) and user.strip()]
    found = members_by_identifier(organization, identifiers)
    items, chosen, seen = [], {}, {}
    for raw in users:
        identifier = raw.strip() if isinstance(raw, str) else ""
        item = {"user": raw if isinstance(raw, str) else str(raw)}
        matches = found.get(identifier, []) if identifier else []
        if not identifier or len(identifier) > 254:
            item["status"] = INVALID
        elif not matches:
            item["status"] = NOT_FOUND
        elif len(matches) > 1:
            item["status"], item["candidates"] = AMBIGUOUS, sorted(m.user.username for m in matches)
        elif matches[0].pk in seen:
            item["status"], item["same_as"] = DUPLICATE, seen[matches[0].pk]
            item["username"] = matches[0].user.username
        else:
            membership = matches[0]
            seen[membership.pk] = item["user"]
            chosen[membership.pk] = membership
            item.update(status=UNCHANGED, username=membership.user.username, member_id=membership.pk)
        items.append(item)
    return items, chosen


def _batch(*, organization: Organization, actor, users, roles, atomic: bool, unassign: bool) -> BatchReport:
    users = _validated_users(users)
    groups = resolve_roles(roles)
    organization = lock_organization(organization)
    report = BatchReport([group.name for group in groups])
    report.items, chosen = _resolve_items(organization, users)
    if unassign and role_names.ADMIN in report.roles:
        # Keep the last active admin: refuse the removal that would take away the last one.
        admins = active_admin_ids(organization)
        for item in report.items:
            member_id = item.get("member_id")
            if item["status"] == UNCHANGED and member_id in admins:
                if admins == {member_id}:
                    item["status"], item["code"] = LAST_ADMIN, "LAST_ADMIN"
                    del chosen[member_id]
                else:
                    admins.discard(member_id)
    if atomic and not report.ok:
        raise Unprocessable(
            "BATCH_REJECTED",
            _("Nothing was changed: some users could not be processed (all-or-nothing was asked)."),
            {
                "items": [item for item in report.items if item["status"] not in {CHANGED, UNCHANGED}],
                "summary": report.summary,
            },
        )
    changes = (_unassign if unassign else _assign)(list(chosen.values()), groups)
    for item in report.items:
        if changes.get(item.get("member_id")) and item["status"] == UNCHANGED:
            item["status"], item["roles"] = CHANGED, changes[item["member_id"]]
    changed = [item["username"] for item in report.items if item["status"] == CHANGED]
    if changed or not report.ok:
        record_operation(
            action="access.role.batch_unassign" if unassign else "access.role.batch_assign",
            actor=actor,
            organization=organization,
            target_type="access.membership",
            result="ok" if report.ok else "failed",
            details={
                "roles": report.roles,
                "summary": report.summary,
                "changed": changed,
                "problems": [item for item in report.items if item["status"] not in {CHANGED, UNCHANGED}][
                    :100
                ],
                "atomic": atomic,
            },
        )
    return report


@records_failures("access.role.batch_assign")
@transaction.atomic
def roles_batch_assign(
    *, organization: Organization, actor, users: list, roles: list, atomic: bool = False
) -> BatchReport:
    """Give each listed user (name, e-mail or employee number) the roles; report per user. Unknown users
    are reported, not fatal, unless `atomic`, which changes nothing when any user cannot be processed."""
    return _batch(
        organization=organization, actor=actor, users=users, roles=roles, atomic=atomic, unassign=False
    )


@records_failures("access.role.batch_unassign")
@transaction.atomic
def roles_batch_unassign(
    *, organization: Organization, actor, users: list, roles: list, atomic: bool = False
) -> BatchReport:
    """Take the roles from each listed user; the last active admin keeps theirs (item `last_admin`)."""
    return _batch(
        organization=organization, actor=actor, users=users, roles=roles, atomic=atomic, unassign=True
    )
