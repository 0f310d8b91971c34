"""Matching a file's member cells (UserId, employee number, name) to the organization's members."""

import hashlib

from apps.access.models import Membership, Organization
from apps.attendance.calendar import BreakMinutes
from apps.imports.errors import RowError


class MemberIndex:
    """All members of the organization in dicts (one query), matched by UserId, employee no. or name."""

    def __init__(self, organization: Organization):
        self.by_external: dict[str, int] = {}
        self.by_employee_no: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = {}
        self.names: dict[int, str] = {}
        self.inactive: set[int] = set()
        rows = Membership.objects.for_org(organization).values_list(
            "id", "external_id", "employee_no", "display_name", "is_active",
            "user__username", "user__first_name", "user__last_name",
        )  # fmt: skip
        rows = list(rows.order_by("id"))
        # The break a row's worked time loses when the file gives only times (one rule with punched days).
        self.breaks = BreakMinutes(organization=organization, member_ids=[row[0] for row in rows])
        # Everything matching depends on; a kept preview is reused only while it is unchanged.
        self.fingerprint = hashlib.sha256(repr((rows, self.breaks.fingerprint)).encode()).hexdigest()
        for member_id, external_id, employee_no, display_name, active, username, first, last in rows:
            if external_id:
                self.by_external[external_id] = member_id
            if employee_no:
                self.by_employee_no[employee_no] = member_id
            full_name = f"{first} {last}".strip()
            for name in {display_name, full_name, f"{last}{first}".strip(), username} - {""}:
                self.by_name.setdefault(name, []).append(member_id)
            self.names[member_id] = display_name or full_name or username
            if not active:
                self.inactive.add(member_id)

    def resolve(self, user_id: str, employee_no: str, name: str, *, by_name: bool = False) -> int:
        """The member a row names: by UserId, then employee number; by name only with `by_name` (the
        import's matchByName), since two people may share a name and a row must never land on a namesake.
        """
        member_id = None
        if user_id:
            member_id = self.by_external.get(user_id)
        if member_id is None and employee_no:
            member_id = self.by_employee_no.get(employee_no)
        if member_id is None and name and by_name:
            matches = self.by_name.get(name, ())
            if len(matches) > 1:
                raise RowError(
                    "AMBIGUOUS_MEMBER",
                    f"{len(matches)} members are named {name!r}; add UserId or 工号.",
                    "name",
                )
            if matches:
                member_id = matches[0]
        if member_id is None:
            if not (user_id or employee_no or name):
                raise RowError("MISSING_MEMBER", "The row names no member (UserId, 工号 or 姓名).")
            if name and not by_name:
                ids = ", ".join(v for v in (user_id, employee_no) if v)
                given = f"No member has {ids}" if ids else f"The row names only {name!r}"
                raise RowError(
                    "UNKNOWN_MEMBER",
                    f"{given}; a name is matched only when the import is asked to match by name.",
                )
            who = ", ".join(v for v in (user_id, employee_no, name) if v)
            raise RowError("UNKNOWN_MEMBER", f"No member matches {who}.")
        if member_id in self.inactive:
            raise RowError("MEMBER_INACTIVE", f"{self.names[member_id]} is deactivated.")
        return member_id
