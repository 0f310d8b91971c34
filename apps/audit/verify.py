"""Verification of the operation log's hash chains (`manage.py audit_verify`, the Admin Center's check).

Each chain is walked in sequence order from its anchor; the first of these is reported: a sequence gap
(deleted rows), an entry whose hash does not match its content (edited, before or after it was sealed), a
broken link (an earlier entry edited and re-hashed), a head that knows of more or other entries, and an
entry whose organization or actor pointer is not the one it was hashed with (moved to another
organization's log, or given to another user). Unsealed entries are checked against their content hash too.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model

from apps.access.models import Organization
from apps.audit.chain import ENTRY_FIELDS, compute_hash, content_hash
from apps.audit.models import GLOBAL_CHAIN, AuditChainHead, OperationLog

VERIFY_CHUNK = 2000


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    sequence: int
    # missing | altered | broken_link | head_missing | head_mismatch | misfiled | misattributed
    kind: str
    message: str


@dataclass(frozen=True)
class ChainReport:
    chain: str
    checked: int
    first_sequence: int | None
    last_sequence: int | None
    problem: ChainProblem | None
    unsealed: int = 0
    oldest_unsealed_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def chains() -> list[str]:
    keys = set(AuditChainHead.objects.values_list("chain", flat=True))
    keys |= set(OperationLog.objects.values_list("chain", flat=True).distinct())
    return sorted(keys)


def _sealed(chain: str, after: int, chunk: int) -> Iterator[list[OperationLog]]:
    # Keyset pages on (chain, sequence): constant memory, no long-lived cursor, any database.
    while True:
        page = list(
            OperationLog.objects.filter(chain=chain, sequence__gt=after)
            .only(*ENTRY_FIELDS)
            .order_by("sequence")[:chunk]
        )
        if page:
            yield page
        if len(page) < chunk:
            return
        after = page[-1].sequence


def _unsealed(chain: str, chunk: int) -> Iterator[list[OperationLog]]:
    after = 0
    while True:
        page = list(
            OperationLog.objects.filter(chain=chain, sequence__isnull=True, id__gt=after)
            .only(*ENTRY_FIELDS)
            .order_by("id")[:chunk]
        )
        if page:
            yield page
        if len(page) < chunk:
            return
        after = page[-1].pk


class _Pointers:
    """Whether an entry's organization and actor columns are the ones it was hashed with. Django nulls
    them when the organization or user row is deleted; NULL is accepted only when that row is gone."""

    def __init__(self, chain: str):
        self.chain = chain
        self.organization_id = int(chain.split(":", 1)[1]) if chain != GLOBAL_CHAIN else None
        self.organization_gone = (
            self.organization_id is not None
            and not Organization.objects.filter(pk=self.organization_id).exists()
        )

    def check(self, page: list[OperationLog], describe) -> ChainProblem | None:
        users_wanted = {
            e.actor_ref for e in page if e.hash_version >= 2 and e.actor_id is None and e.actor_ref
        }
        users = (
            set(get_user_model().objects.filter(pk__in=users_wanted).values_list("pk", flat=True))
            if users_wanted
            else set()
        )
        for entry in page:
            nulled = entry.organization_id is None and self.organization_gone
            if entry.organization_id != self.organization_id and not nulled:
                return ChainProblem(
                    self.chain,
                    entry.sequence or 0,
                    "misfiled",
                    f"{describe(entry)} is filed under organization {entry.organization_id} but was written "
                    f"into chain {self.chain}",
                )
            if entry.hash_version < 2 or entry.actor_id == entry.actor_ref:
                continue
            if entry.actor_id is None and entry.actor_ref not in users:
                continue  # the user row was deleted
            return ChainProblem(
                self.chain,
                entry.sequence or 0,
                "misattributed",
                f"{describe(entry)} names actor {entry.actor_id} but was written by {entry.actor_ref}",
            )
        return None


def _sealed_name(entry: OperationLog) -> str:
    return f"entry {entry.sequence} (id {entry.pk})"


def _unsealed_name(entry: OperationLog) -> str:
    return f"unsealed entry id {entry.pk}"


def chain_verify(chain: str, *, chunk: int = VERIFY_CHUNK) -> ChainReport:
    """Walk one chain in sequence order and report the first missing, altered or misfiled entry; then check
    the entries the sealer has not reached yet against their content hash."""
    head = AuditChainHead.objects.filter(chain=chain).first()
    anchor_sequence = head.anchor_sequence if head else 0
    expected_sequence, expected_prev = anchor_sequence + 1, head.anchor_hash if head else ""
    checked, first, last, unsealed, oldest = 0, None, None, 0, None
    pointers = _Pointers(chain)

    def report(problem: ChainProblem | None) -> ChainReport:
        return ChainReport(chain, checked, first, last, problem, unsealed, oldest)

    for page in _sealed(chain, anchor_sequence, chunk):
        for entry in page:
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
                    ChainProblem(chain, entry.sequence, "altered", f"{_sealed_name(entry)} was altered")
                )
            if entry.prev_hash != expected_prev:
                return report(
                    ChainProblem(
                        chain,
                        entry.sequence,
                        "broken_link",
                        f"{_sealed_name(entry)} does not link to entry {entry.sequence - 1}: "
                        "the earlier entry was altered or replaced",
                    )
                )
            checked += 1
            last = entry.sequence
            expected_sequence, expected_prev = entry.sequence + 1, entry.entry_hash
        problem = pointers.check(page, _sealed_name)
        if problem is not None:
            return report(problem)
    problem = _head_problem(chain, head, checked, expected_sequence, expected_prev)
    if problem is not None:
        return report(problem)
    for page in _unsealed(chain, chunk):
        for entry in page:
            unsealed += 1
            oldest = entry.created_at if oldest is None else min(oldest, entry.created_at)
            if content_hash(entry) != entry.content_hash:
                return report(ChainProblem(chain, 0, "altered", f"{_unsealed_name(entry)} was altered"))
        problem = pointers.check(page, _unsealed_name)
        if problem is not None:
            return report(problem)
    return report(None)


def _head_problem(
    chain: str, head: AuditChainHead | None, checked: int, expected_sequence: int, expected_prev: str
) -> ChainProblem | None:
    if head is None:
        if checked:
            return ChainProblem(chain, 0, "head_missing", "the chain head record is missing")
        return None
    if head.last_sequence < expected_sequence - 1:
        return ChainProblem(
            chain,
            head.last_sequence + 1,
            "head_mismatch",
            f"entries after {head.last_sequence} were added outside the log",
        )
    if head.last_sequence != expected_sequence - 1:
        return ChainProblem(
            chain,
            expected_sequence,
            "missing",
            f"entries {expected_sequence}..{head.last_sequence} are missing (the newest entries were removed)",
        )
    if head.last_hash != expected_prev:
        return ChainProblem(
            chain, head.last_sequence, "head_mismatch", "the chain head does not match the last entry"
        )
    return None
