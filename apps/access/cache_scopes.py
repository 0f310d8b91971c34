"""The generation scopes of access's cached answers (apps/core/gencache.py; docs/security.md, "Cached
authentication"). No model imports: models.py and the receivers both name them.

- `access`: everything (an organization's settings, a role's permissions): rare admin changes;
- `access:user:<id>`: a user's account, memberships, roles and tokens;
- `access:token:<sha256>`: one token (read before the token row, so a revoke racing a first use is seen).
"""

from apps.core import gencache

GLOBAL = "access"


def user_scope(user_id) -> str:
    return f"access:user:{user_id}"


def token_scope(key_hash: str) -> str:
    return f"access:token:{key_hash}"


def users_changed(user_ids) -> None:
    gencache.bump(*(user_scope(user_id) for user_id in set(user_ids) if user_id is not None))


def tokens_changed(rows) -> None:
    """`rows`: (key_hash, user_id) pairs."""
    rows = list(rows)
    gencache.bump(*(token_scope(key_hash) for key_hash, _user in rows), *(user_scope(u) for _k, u in rows))


def everything_changed() -> None:
    gencache.bump(GLOBAL)
