"""Locked periods: attendance asks "is this member's date locked?" before every write.

Attendance cannot import payroll_cycles (a higher layer), so payroll registers a checker here in its
AppConfig.ready(). A checker is called as `fn(*, member, work_date) -> bool`; a date is locked when any
checker says so. With no checker registered nothing is locked.
"""

from collections.abc import Callable, Iterable
from datetime import date

from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.core.errors import Conflict

LockChecker = Callable[..., bool]

_lock_checkers: list[LockChecker] = []


def register_lock_checker(fn: LockChecker) -> None:
    if fn not in _lock_checkers:
        _lock_checkers.append(fn)


def unregister_lock_checker(fn: LockChecker) -> None:
    if fn in _lock_checkers:
        _lock_checkers.remove(fn)


def has_lock_checkers() -> bool:
    """Whether any period can be locked at all (callers may skip per-date questions when not)."""
    return bool(_lock_checkers)


def is_locked(*, member: Membership, work_date: date) -> bool:
    return any(checker(member=member, work_date=work_date) for checker in _lock_checkers)


def locked_dates(*, member: Membership, dates: Iterable[date]) -> list[date]:
    if not _lock_checkers:
        return []
    return sorted({day for day in dates if is_locked(member=member, work_date=day)})


def ensure_unlocked(*, member: Membership, dates: Iterable[date]) -> None:
    """Raise 409 PERIOD_LOCKED when any of `dates` is locked for `member`."""
    locked = locked_dates(member=member, dates=dates)
    if locked:
        raise Conflict(
            "PERIOD_LOCKED",
            _("This date is in a locked period; attendance for it can no longer change."),
            {"dates": [day.isoformat() for day in locked]},
        )
