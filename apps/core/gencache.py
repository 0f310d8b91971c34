"""Cached values invalidated by generation counters (Django's cache: Redis in production, locmem in tests).

A value is stored with the generations of the scopes it was built from ("access:user:7",
"attendance:calendar:3", ...). A write that changes what a scope covers calls `bump(scope)`: the scope gets
a new, never reused generation, and every value built under the old one is ignored from the next read on.
Reading a value costs two cache round trips (the entry, then its scopes' generations in one `get_many`),
no database query.

Builders read the generations *before* they read the database (`generations()`, then the queries, then
`store()`), so a write that lands in between leaves the stored value already stale, never wrongly fresh.
`bump` sets the new generation at once and again when the writing transaction commits: a reader between
the two cannot keep a value built from the data before the commit.

A missing generation (never set, or evicted) gets a fresh one: the values built under the old one are stale.
When the cache cannot be reached, reads miss (the caller reads the database, as without a cache) and
writes are skipped with a warning; values expire after ENTRY_SECONDS in any case, which bounds how long a
value cached before an outage the writer could not reach the cache in may be used after it.
"""

import logging
import uuid
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger("timeledger.gencache")

ENTRY_SECONDS = 120
GENERATION_PREFIX = "gen:"


def _key(scope: str) -> str:
    return f"{GENERATION_PREFIX}{scope}"


def _set_new(scopes: tuple[str, ...]) -> None:
    try:
        cache.set_many({_key(scope): uuid.uuid4().hex for scope in scopes}, timeout=None)
    except Exception:  # an unreachable cache must not fail the write (docstring)
        logger.warning("cache unreachable: could not invalidate %s", ", ".join(scopes[:5]), exc_info=True)


def bump(*scopes: str) -> None:
    """Everything cached under these scopes is stale from now on (and again once the transaction commits)."""
    scopes = tuple(dict.fromkeys(scope for scope in scopes if scope))
    if not scopes:
        return
    _set_new(scopes)
    transaction.on_commit(lambda: _set_new(scopes))


def generations(scopes: Iterable[str]) -> dict[str, str] | None:
    """The current generation of each scope (a fresh one for a scope that has none); None when the cache
    cannot be reached (then store() stores nothing)."""
    scopes = list(dict.fromkeys(scopes))
    try:
        found = cache.get_many([_key(scope) for scope in scopes])
        current = {}
        for scope in scopes:
            value = found.get(_key(scope))
            if value is None:
                value = uuid.uuid4().hex
                if not cache.add(_key(scope), value, timeout=None):
                    value = cache.get(_key(scope)) or value
            current[scope] = value
        return current
    except Exception:
        logger.warning("cache unreachable: reading from the database", exc_info=True)
        return None


def store(key: str, value, gens: dict[str, str] | None, timeout: int = ENTRY_SECONDS) -> None:
    if gens is None:
        return
    try:
        cache.set(key, (gens, value), timeout)
    except Exception:
        logger.warning("cache unreachable: %s not stored", key, exc_info=True)


def fetch(key: str, *, with_generations: bool = False):
    """The value stored under `key` if every generation it was built under is still current, else None
    (with `with_generations`, (generations, value), to store an updated value under the same ones)."""
    try:
        entry = cache.get(key)
        if entry is None:
            return None
        gens, value = entry
        if gens:
            current = cache.get_many([_key(scope) for scope in gens])
            if any(current.get(_key(scope)) != generation for scope, generation in gens.items()):
                return None
    except Exception:
        logger.warning("cache unreachable: reading from the database", exc_info=True)
        return None
    return (gens, value) if with_generations else value


def remember(key: str, scopes: Iterable[str], build: Callable[[], object]):
    """The value under `key` if still current, else `build()` stored under `scopes`' generations, read
    before it runs (the order the module's docstring asks of builders). `build` must not return None."""
    cached = fetch(key)
    if cached is not None:
        return cached
    gens = generations(scopes)
    value = build()
    store(key, value, gens)
    return value
