"""The tamper-evident hash chain of the operation log.

Each entry stores `entry_hash = sha256(prev_hash + "\\n" + canonical JSON of its content)` and the previous
entry's hash in the same chain (one chain per organization, one "global" chain for entries without one).
Editing a row changes its hash; deleting one leaves a sequence gap or a dangling link; deleting the newest
ones leaves the chain head (AuditChainHead) pointing past the end. `chain_verify` finds the first of these.

Appending locks the chain head row, so concurrent writers in one organization queue behind each other
instead of forking the chain; writers in different organizations do not wait for each other.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

from apps.audit.models import AuditChainHead, OperationLog

# The fields the hash covers. organization_id / actor_id are left out on purpose: they are pointers that
# Django nulls when the organization or user row is deleted; `chain` and `actor_label` carry the same
# identity and never change.
HASHED_FIELDS = (
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
VERIFY_CHUNK = 2000


def normalized_details(details: dict) -> dict:
    """`details` as the database gives it back (dates as strings, decimals as strings, ...)."""
    return json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder))


def canonical_content(entry: OperationLog) -> str:
    content = {name: getattr(entry, name) for name in HASHED_FIELDS}
    content["created_at"] = entry.created_at.astimezone(UTC).isoformat(timespec="microseconds")
    content["ip"] = str(entry.ip) if entry.ip else ""
    content["details"] = normalized_details(entry.details)
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def compute_hash(entry: OperationLog) -> str:
    return hashlib.sha256(f"{entry.prev_hash}\n{canonical_content(entry)}".encode()).hexdigest()


def locked_head(chain: str) -> AuditChainHead:
    try:
        return AuditChainHead.objects.select_for_update().get(chain=chain)
    except AuditChainHead.DoesNotExist:
        pass
    try:
        # The unique constraint on `chain` decides a race between two first writers; the loser re-reads.
        with transaction.atomic():
            AuditChainHead.objects.create(chain=chain)
    except IntegrityError:
        pass
    return AuditChainHead.objects.select_for_update().get(chain=chain)


def chain_append(entry: OperationLog) -> OperationLog:
    """Give `entry` the next sequence of its chain, link and hash it, and save it. Call inside a
    transaction (audit_record does): the head stays locked until that transaction ends."""
    head = locked_head(entry.chain)
    entry.sequence = head.last_sequence + 1
    entry.prev_hash = head.last_hash
    entry.details = normalized_details(entry.details)
    entry.entry_hash = compute_hash(entry)
    entry.save(force_insert=True)
    head.last_sequence = entry.sequence
    head.last_hash = entry.entry_hash
    head.save(update_fields=["last_sequence", "last_hash", "updated_at"])
    return entry


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    sequence: int
    kind: str  # missing | altered | broken_link | head_missing | head_mismatch
    message: str


@dataclass(frozen=True)
class ChainReport:
    chain: str
    checked: int
    first_sequence: int | None
    last_sequence: int | None
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def chains() -> list[str]:
    keys = set(AuditChainHead.objects.values_list("chain", flat=True))
    keys |= set(OperationLog.objects.values_list("chain", flat=True).distinct())
    return sorted(keys)


def _entries(chain: str, after: int, chunk: int) -> Iterator[OperationLog]:
    # Keyset pages on (chain, sequence): constant memory, no long-lived cursor, any database.
    while True:
        page = list(
            OperationLog.objects.filter(chain=chain, sequence__gt=after)
            .only("id", "prev_hash", "entry_hash", *HASHED_FIELDS)
            .order_by("sequence")[:chunk]
        )
        yield from page
        if len(page) < chunk:
            return
        after = page[-1].sequence


def chain_verify(chain: str, *, chunk: int = VERIFY_CHUNK) -> ChainReport:
    """Walk one chain in sequence order and report the first missing or altered entry."""
    head = AuditChainHead.objects.filter(chain=chain).first()
    anchor_sequence = head.anchor_sequence if head else 0
    expected_sequence, expected_prev = anchor_sequence + 1, head.anchor_hash if head else ""
    checked, first, last = 0, None, None

    def report(problem: ChainProblem | None) -> ChainReport:
        return ChainReport(chain, checked, first, last, problem)

    for entry in _entries(chain, anchor_sequence, chunk):
        if first is None:
            first = entry.sequence
        if entry.sequence != expected_sequence:
            return report(
                ChainProblem(
                    chain,
                    expected_sequence,
                    "missing",
                    f"entries {expected_sequence}..{entry.sequence - 1} are missing",
                )
            )
        if compute_hash(entry) != entry.entry_hash:
            return report(
                ChainProblem(
                    chain, entry.sequence, "altered", f"entry {entry.sequence} (id {entry.pk}) was altered"
                )
            )
        if entry.prev_hash != expected_prev:
            return report(
                ChainProblem(
                    chain,
                    entry.sequence,
                    "broken_link",
                    f"entry {entry.sequence} (id {entry.pk}) does not link to entry {entry.sequence - 1}: "
                    "the earlier entry was altered or replaced",
                )
            )
        checked += 1
        last = entry.sequence
        expected_sequence, expected_prev = entry.sequence + 1, entry.entry_hash
    if head is None:
        if checked:
            return report(ChainProblem(chain, 0, "head_missing", "the chain head record is missing"))
        return report(None)
    if head.last_sequence < expected_sequence - 1:
        return report(
            ChainProblem(
                chain,
                head.last_sequence + 1,
                "head_mismatch",
                f"entries after {head.last_sequence} were added outside the log",
            )
        )
    if head.last_sequence != expected_sequence - 1:
        return report(
            ChainProblem(
                chain,
                expected_sequence,
                "missing",
                f"entries {expected_sequence}..{head.last_sequence} are missing (the newest entries were removed)",
            )
        )
    if head.last_hash != expected_prev:
        return report(
            ChainProblem(
                chain, head.last_sequence, "head_mismatch", "the chain head does not match the last entry"
            )
        )
    return report(None)
