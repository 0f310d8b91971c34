"""Hooks a higher app fills so that access can ask it something without importing it.

`operation_recorder`: the audit app registers its recorder here in its AppConfig.ready(); access calls
`record_operation(...)` for token and membership changes. Without a recorder (access used alone) the
call does nothing.
"""

from collections.abc import Callable
from typing import Any

_operation_recorders: list[Callable[..., Any]] = []


def register_operation_recorder(recorder: Callable[..., Any]) -> None:
    if recorder not in _operation_recorders:
        _operation_recorders.append(recorder)


def record_operation(**kwargs: Any) -> None:
    for recorder in _operation_recorders:
        recorder(**kwargs)


# `demo_seeders`: higher apps add demo data (shifts, leave types, ...) after the demo organization and
# users exist. Each seeder is called as seeder(organization=..., memberships={username: Membership}) and
# must be idempotent.
_demo_seeders: list[Callable[..., Any]] = []


def register_demo_seeder(seeder: Callable[..., Any]) -> None:
    if seeder not in _demo_seeders:
        _demo_seeders.append(seeder)


def demo_seeders() -> list[Callable[..., Any]]:
    return list(_demo_seeders)


def record_rate_limit_block(*, request, group: str, rate: str) -> None:
    """The kernel's rate limiter refused a request for the first time in its window: audit it."""
    from apps.access.selectors import active_membership

    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    membership = active_membership(request) if signed_in else None
    record_operation(
        action="access.ratelimit.block",
        actor=membership or (user if signed_in else None),
        result="denied",
        details={"group": group, "rate": rate, "path": request.path, "method": request.method},
    )


# `event_writer`: audit registers its webhook outbox writer here (apps.audit.webhooks.events.event_emit);
# access calls `emit_event(organization=..., type=..., subject=..., data=...)` inside the transaction of
# the change (member created, deactivated), so the event commits or rolls back with it.
_event_writers: list[Callable[..., Any]] = []


def register_event_writer(writer: Callable[..., Any]) -> None:
    if writer not in _event_writers:
        _event_writers.append(writer)


def emit_event(**kwargs: Any) -> None:
    for writer in _event_writers:
        writer(**kwargs)
