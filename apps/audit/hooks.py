"""Hooks higher apps fill so that audit can drive them without importing them.

`retention purgers`: the attendance app registers a function that deletes its data older than a cutoff,
`purger(*, organization, cutoff, dry_run, batch_size) -> int` (rows removed, or that would be removed), so
that one retention run covers the operation log and attendance data alike.
"""

from collections.abc import Callable

_retention_purgers: dict[str, Callable[..., int]] = {}


def register_retention_purger(name: str, purger: Callable[..., int]) -> None:
    _retention_purgers[name] = purger


def retention_purgers() -> dict[str, Callable[..., int]]:
    return dict(_retention_purgers)
