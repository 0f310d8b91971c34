"""Locked periods: attendance asks "are these members' dates locked?" before every write.

Attendance cannot import payroll_cycles (a higher layer), so payroll registers a checker here in its
AppConfig.ready(). A checker answers for a whole set at once, in a fixed number of queries:
`fn(*, organization_id, member_ids, dates) -> set[(member_id, date)]`, the locked pairs among
`member_ids` x `dates`. An import of 10,000 members asks once, never once per member. With no checker
registered nothing is locked.

Also here: work in flight a payroll close waits for (`register_pending_work_reporter`) and the cards higher
apps add to the employee page (`register_employee_card`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.core.errors import Conflict

LockChecker = Callable[..., set[tuple[int, date]]]
SpanChecker = Callable[..., bool]

_lock_checkers: list[LockChecker] = []
_span_checkers: dict[LockChecker, SpanChecker] = {}


def register_lock_checker(fn: LockChecker, *, span: SpanChecker | None = None) -> None:
    """`span(*, organization_id, start, end) -> bool`, if given, says cheaply whether anything between the
    two dates may be locked for anyone; without it every span is assumed to be."""
    if fn not in _lock_checkers:
        _lock_checkers.append(fn)
    if span is not None:
        _span_checkers[fn] = span


def unregister_lock_checker(fn: LockChecker) -> None:
    if fn in _lock_checkers:
        _lock_checkers.remove(fn)
    _span_checkers.pop(fn, None)


def has_lock_checkers() -> bool:
    """Whether any period can be locked at all (callers may skip per-date questions when not)."""
    return bool(_lock_checkers)


def any_lock_between(*, organization_id: int, start: date, end: date) -> bool:
    """Whether any member's date in start..end may be locked (an import asks before reusing a preview)."""
    for checker in _lock_checkers:
        span = _span_checkers.get(checker)
        if span is None or span(organization_id=organization_id, start=start, end=end):
            return True
    return False


def locked_pairs(
    *, organization_id: int, member_ids: Iterable[int], dates: Iterable[date]
) -> set[tuple[int, date]]:
    """The (member_id, date) pairs among `member_ids` x `dates` that are locked."""
    if not _lock_checkers:
        return set()
    member_ids, dates = frozenset(member_ids), frozenset(dates)
    if not member_ids or not dates:
        return set()
    locked: set[tuple[int, date]] = set()
    for checker in _lock_checkers:
        locked |= checker(organization_id=organization_id, member_ids=member_ids, dates=dates)
    return locked


# What a person calls the locked periods (payroll fills it: its cycles' names), so that a refusal can say
# which one to reopen: `fn(*, organization_id, dates) -> list[str]`.
PeriodNamer = Callable[..., list[str]]
_period_namers: list[PeriodNamer] = []


def register_period_namer(fn: PeriodNamer) -> None:
    if fn not in _period_namers:
        _period_namers.append(fn)


def locked_period_names(*, organization_id: int, dates: Iterable[date]) -> list[str]:
    """The names of the locked periods that hold any of `dates`, oldest first ([] when nobody names them)."""
    dates = sorted(set(dates))
    names: list[str] = []
    for namer in _period_namers:
        names += [name for name in namer(organization_id=organization_id, dates=dates) if name not in names]
    return names


def is_locked(*, member: Membership, work_date: date) -> bool:
    return bool(locked_dates(member=member, dates=[work_date]))


def locked_dates(*, member: Membership, dates: Iterable[date]) -> list[date]:
    pairs = locked_pairs(organization_id=member.organization_id, member_ids=[member.pk], dates=dates)
    return sorted(day for _member, day in pairs)


def ensure_unlocked(*, member: Membership, dates: Iterable[date]) -> None:
    """Raise 409 PERIOD_LOCKED when any of `dates` is locked for `member`."""
    locked = locked_dates(member=member, dates=dates)
    if locked:
        raise Conflict(
            "PERIOD_LOCKED",
            _("This date is in a locked period; attendance for it can no longer change."),
            {"dates": [day.isoformat() for day in locked]},
        )


# Work in flight that a payroll close should wait for (imports still running): apps above attendance
# register `fn(*, organization_id) -> dict[str, int]`, e.g. {"importsRunning": 2}.
PendingWorkReporter = Callable[..., dict[str, int]]
_pending_work_reporters: list[PendingWorkReporter] = []


def register_pending_work_reporter(fn: PendingWorkReporter) -> None:
    if fn not in _pending_work_reporters:
        _pending_work_reporters.append(fn)


def pending_work(*, organization_id: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for reporter in _pending_work_reporters:
        out.update(reporter(organization_id=organization_id))
    return out


# Cards on the employee page (`/attendance/`) from apps above attendance (payroll's "this pay period").
# `context(member)` returns the card's context, or None for no card; the template gets it as `card`.
# `key` is the card's element id and its htmx target: the page answers `HX-Target: <key>` with the card
# alone, so a card with `hx-trigger="records-changed from:body"` fetches itself again after a punch. Its
# section has the class `att-extra`: on a phone it comes after the leave balances.
@dataclass(frozen=True)
class EmployeeCard:
    key: str
    template: str
    context: Callable[[Membership], dict | None]
    order: int = 50


_employee_cards: dict[str, EmployeeCard] = {}


def register_employee_card(card: EmployeeCard) -> None:
    _employee_cards[card.key] = card


def employee_card(key: str | None) -> EmployeeCard | None:
    return _employee_cards.get(key or "")


def employee_cards(member: Membership) -> list[dict]:
    """The cards to show `member`, in order: [{key, template, card: context}]."""
    shown = []
    for card in sorted(_employee_cards.values(), key=lambda c: (c.order, c.key)):
        context = card.context(member)
        if context is not None:
            shown.append({"key": card.key, "template": card.template, "card": context})
    return shown
