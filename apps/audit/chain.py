"""The tamper-evident hash chain of the operation log: how an entry is hashed, and the sealer.

A writer never waits for another: `audit_record` stores the entry *unsealed* (`sequence` NULL) with
`content_hash = sha256(canonical JSON of its content)`, the content including the chain (the organization)
and `actor_ref` (the actor's user id). The sealer (`chain_seal`, run by Celery beat every
AUDIT_SEAL_INTERVAL seconds and by `manage.py audit_seal`) takes the chain head row for one short
transaction, gives the committed unsealed entries the next sequences in id order and links them:

    entry_hash = sha256(prev_hash + "\\n" + sequence + "\\n" + content_hash)

The sealer chains the writer's `content_hash` without reading the content again, so an entry edited after it
was written, sealed or not, no longer matches its hash. With AUDIT_SEALING="inline" (the embedded and test
default) the writer seals in its own transaction, holding the head until it commits, as before.

Entries chained before the content hash existed keep their first hash (hash_version 1: the content and the
previous hash, organization and actor not covered). See docs/audit.md for the decision and its trade-offs.
"""

import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

from apps.audit.models import AuditChainHead, OperationLog

# The fields the first version hashed (organization and actor left out).
HASHED_FIELDS_V1 = (
    "chain",
    "sequence",
    "created_at",
    "action",
    "actor_label",
    "target_type",
    "target_id",
    "ip",
    "user_agent",
    "request_id",
    "result",
    "details",
)
# Version 2: the content as written. `chain` is the organization ("org:<id>"), `actor_ref` the actor's user
# id; the sequence is not known yet when the writer hashes, the sealer hashes it into entry_hash.
HASHED_FIELDS = (*(name for name in HASHED_FIELDS_V1 if name != "sequence"), "actor_ref")
# What verification and sealing read of an entry.
ENTRY_FIELDS = (
    "id",
    "organization_id",
    "actor_id",
    "hash_version",
    "content_hash",
    "prev_hash",
    "entry_hash",
    *HASHED_FIELDS_V1,
    "actor_ref",
)
SEAL_BATCH = 1000


def normalized_details(details: dict) -> dict:
    """`details` as the database gives it back (dates as strings, decimals as strings, ...)."""
    return json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder))


def _canonical(entry: OperationLog, fields: tuple[str, ...]) -> str:
    content = {name: getattr(entry, name) for name in fields}
    content["created_at"] = entry.created_at.astimezone(UTC).isoformat(timespec="microseconds")
    content["ip"] = str(entry.ip) if entry.ip else ""
    content["details"] = normalized_details(entry.details)
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(entry: OperationLog) -> str:
    """What the writer stores: the hash of the entry's content, organization (chain) and actor included."""
    return hashlib.sha256(_canonical(entry, HASHED_FIELDS).encode()).hexdigest()


def link_hash(prev_hash: str, sequence: int, digest: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{sequence}\n{digest}".encode()).hexdigest()


def compute_hash(entry: OperationLog) -> str:
    """The entry hash its content, sequence and previous hash call for (what verification compares)."""
    if getattr(entry, "hash_version", 1) == 1:
        return hashlib.sha256(
            f"{entry.prev_hash}\n{_canonical(entry, HASHED_FIELDS_V1)}".encode()
        ).hexdigest()
    return link_hash(entry.prev_hash, entry.sequence, content_hash(entry))


def locked_head(chain: str, *, skip_locked: bool = False) -> AuditChainHead | None:
    """The chain's head row, locked until the transaction ends (created on first use). With `skip_locked`,
    None when another sealer holds it (it will seal what this one would have)."""
    heads = AuditChainHead.objects.select_for_update(skip_locked=skip_locked)
    head = heads.filter(chain=chain).first()
    if head is not None:
        return head
    try:
        # The unique constraint on `chain` decides a race between two first writers; the loser re-reads.
        with transaction.atomic():
            AuditChainHead.objects.create(chain=chain)
    except IntegrityError:
        pass
    return heads.filter(chain=chain).first()


def entry_prepare(entry: OperationLog) -> OperationLog:
    """Make a new entry ready to be stored unsealed: normalised details and the content hash."""
    entry.hash_version = 2
    entry.sequence = None
    entry.details = normalized_details(entry.details)
    entry.content_hash = content_hash(entry)
    return entry


def chain_seal(chain: str, *, batch: int = SEAL_BATCH, skip_locked: bool = False) -> list[OperationLog]:
    """Seal up to `batch` unsealed entries of `chain` (the committed ones, and the caller's own), oldest id
    first, in one transaction holding the head. Returns the entries sealed, with their sequence and hash."""
    with transaction.atomic():
        head = locked_head(chain, skip_locked=skip_locked)
        if head is None:
            return []
        pending = list(
            OperationLog.objects.filter(chain=chain, sequence__isnull=True)
            .order_by("id")
            .only("id", "content_hash")[:batch]
        )
        if not pending:
            return []
        sequence, prev_hash = head.last_sequence, head.last_hash
        for entry in pending:
            sequence += 1
            entry.sequence, entry.prev_hash = sequence, prev_hash
            entry.entry_hash = prev_hash = link_hash(prev_hash, sequence, entry.content_hash)
        OperationLog.objects.bulk_update(pending, ["sequence", "prev_hash", "entry_hash"], batch_size=500)
        head.last_sequence, head.last_hash = sequence, prev_hash
        head.save(update_fields=["last_sequence", "last_hash", "updated_at"])
    return pending


def unsealed_chains() -> list[str]:
    return sorted(
        set(OperationLog.objects.filter(sequence__isnull=True).values_list("chain", flat=True).distinct())
    )


def audit_seal_pending(*, batch: int = SEAL_BATCH) -> dict[str, int]:
    """Seal every chain's committed unsealed entries (what the beat task and `audit_seal` run). A chain
    another sealer holds is skipped: that sealer seals it. Safe to run any number of times at once."""
    sealed: dict[str, int] = {}
    for chain in unsealed_chains():
        while True:
            done = len(chain_seal(chain, batch=batch, skip_locked=True))
            sealed[chain] = sealed.get(chain, 0) + done
            if done < batch:
                break
    return sealed


def chain_append(entry: OperationLog) -> OperationLog:
    """Store a prepared entry. With AUDIT_SEALING="inline" it is sealed as it is stored: the head is locked
    and stays locked until the caller's transaction ends (three queries, as before the sealer). Call inside
    a transaction (audit_record does)."""
    if settings.AUDIT_SEALING == "inline":
        head = locked_head(entry.chain)
        entry.sequence, entry.prev_hash = head.last_sequence + 1, head.last_hash
        entry.entry_hash = link_hash(entry.prev_hash, entry.sequence, entry.content_hash)
        entry.save(force_insert=True)
        head.last_sequence, head.last_hash = entry.sequence, entry.entry_hash
        head.save(update_fields=["last_sequence", "last_hash", "updated_at"])
        return entry
    entry.save(force_insert=True)
    return entry
