"""Commit tokens: issued by prepare, consumed by commit. Stored hashed in the database, so they survive
restarts and work on any web worker; bound to the organization, the user and the upload; single use."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.audit.services import audit_record
from apps.core.errors import Conflict, Forbidden, Gone, NotFound
from apps.imports.models import CommitToken, Upload
from apps.imports.selectors import upload_ensure_live
from apps.imports.services.uploads import upload_from_source

TOKEN_PREFIX = "ict_"  # noqa: S105 - a marker, not a secret


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class PreparedCommit:
    commit_token: str  # the raw token: shown once, stored hashed
    expires_at: datetime
    ttl_seconds: int
    upload_id: int


def commit_token_prepare(
    *, member: Membership, mapping: dict | None = None, upload_id: int | None = None,
    csv_text: str | None = None, filename: str = "",
) -> PreparedCommit:  # fmt: skip
    """`POST prepare`: a commit token for the upload named (or the inline text) and this mapping."""
    upload = upload_from_source(member=member, upload_id=upload_id, csv_text=csv_text, filename=filename)
    token, raw = commit_token_create(member=member, upload=upload, mapping=mapping or {})
    return PreparedCommit(
        commit_token=raw,
        expires_at=token.expires_at,
        ttl_seconds=settings.IMPORT_COMMIT_TOKEN_TTL_SECONDS,
        upload_id=upload.pk,
    )


def commit_token_create(*, member: Membership, upload: Upload, mapping: dict) -> tuple[CommitToken, str]:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        token = CommitToken.objects.create(
            token_hash=_hash(raw),
            organization=member.organization,
            user=member.user,
            upload=upload,
            mapping=mapping,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.IMPORT_COMMIT_TOKEN_TTL_SECONDS),
        )
        audit_record(
            action="imports.commit_token.create", actor=member, target=token, details={"upload": upload.pk}
        )
    return token, raw


def commit_token_find(*, member: Membership, raw: str) -> CommitToken:
    """The caller's token (not consumed): 404 when unknown, 403 when it is someone else's."""
    token = (
        CommitToken.objects.select_related("upload").filter(token_hash=_hash(raw or "")).first()
        if isinstance(raw, str) and raw.startswith(TOKEN_PREFIX)
        else None
    )
    if token is None:
        raise NotFound("COMMIT_TOKEN_INVALID", _("The commit token is not valid; call prepare again."))
    if token.organization_id != member.organization_id or token.user_id != member.user_id:
        raise Forbidden("FORBIDDEN", _("This commit token was issued to someone else."))
    return token


def commit_token_consume(*, member: Membership, token: CommitToken) -> CommitToken:
    """Mark the token used; must run inside the caller's transaction (it locks the token's row)."""
    token = CommitToken.objects.select_for_update().select_related("upload").get(pk=token.pk)
    if token.used_at is not None:
        raise Conflict("COMMIT_TOKEN_USED", _("This commit token was already used; call prepare again."))
    if token.expires_at <= timezone.now():
        raise Gone(
            "EXPIRED", _("The commit token has expired; call prepare again."), {"expiredAt": token.expires_at}
        )
    upload_ensure_live(token.upload)
    token.used_at = timezone.now()
    token.save(update_fields=["used_at"])
    return token


def commit_tokens_purge(*, now=None) -> int:
    """Expired tokens are worthless; the janitor deletes those a day past expiry."""
    now = now or timezone.now()
    deleted, _kinds = CommitToken.objects.filter(expires_at__lte=now - timedelta(days=1)).delete()
    return deleted
