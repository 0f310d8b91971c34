"""Provisioning: the write services that manage who is a member and what they may do.

members.py: member_provision (create or update), member_deactivate, member_reactivate, member_invite.
updates.py: member_update (change the given fields of one member). fields.py: the checks they share.
roles.py: roles_assign / roles_unassign for one member, roles_batch_assign / roles_batch_unassign.
Every service takes keyword arguments, runs in one transaction, records one operation-log entry, and
records refused or failed attempts too (common.records_failures).
"""

from apps.access.provisioning.members import (
    member_deactivate,
    member_invite,
    member_provision,
    member_reactivate,
)
from apps.access.provisioning.roles import (
    roles_assign,
    roles_batch_assign,
    roles_batch_unassign,
    roles_unassign,
)
from apps.access.provisioning.updates import member_update

__all__ = [
    "member_deactivate",
    "member_invite",
    "member_provision",
    "member_reactivate",
    "member_update",
    "roles_assign",
    "roles_batch_assign",
    "roles_batch_unassign",
    "roles_unassign",
]
