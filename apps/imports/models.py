"""The import pipeline's rows: uploads, commit tokens, jobs, batches and their items.

An item is one data line of a committed file. For a line that changed a daily record it also holds the
record's values from before the batch (the rollback snapshot), written by the same set-based statement
that merged the batch, so a rollback is set-based too.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.access.models import Organization, OrgScopedQuerySet
from apps.imports.staging import rejects_table_of


class Upload(models.Model):
    """A file streamed to storage (MEDIA_ROOT/imports/...). It expires; the janitor deletes the file."""

    class FileType(models.TextChoices):
        CSV = "csv"
        XLSX = "xlsx"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="import_uploads")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255, blank=True, default="")
    path = models.CharField(max_length=500)  # relative to MEDIA_ROOT
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    file_type = models.CharField(max_length=10, choices=FileType.choices)
    encoding = models.CharField(max_length=20, blank=True, default="")
    # CSV: runs of newlines counted while streaming; .xlsx: the first sheet's rows that hold cells. An upper
    # bound of the data rows (title and header rows included), used to pick sync or async.
    line_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"upload {self.pk} {self.filename}"


class CommitToken(models.Model):
    """Single-use permission to commit one upload, bound to its organization and user."""

    token_hash = models.CharField(max_length=64, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="commit_tokens")
    mapping = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    objects = OrgScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"commit token {self.pk}"


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"  # queued or running: its job says which
        COMPLETED = "completed"
        FAILED = "failed"
        ROLLED_BACK = "rolled_back"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="import_batches")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    upload = models.ForeignKey(Upload, null=True, on_delete=models.SET_NULL, related_name="batches")
    filename = models.CharField(max_length=255, blank=True, default="")
    idempotency_key = models.CharField(max_length=128, blank=True, default="")
    # SHA-256 of what was asked (file content, mapping, options): same key + other fingerprint is a 409.
    fingerprint = models.CharField(max_length=64)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_message = models.CharField(max_length=500, blank=True, default="")
    error_details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    rolled_back_at = models.DateTimeField(null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="import_batch_unique_key_per_org",
            )
        ]
        indexes = [models.Index(fields=["organization", "-created_at"], name="import_batch_org_time")]

    def __str__(self) -> str:
        return f"batch {self.pk} {self.status}"


class ImportJob(models.Model):
    """Background work with progress kept in the database, so any web worker can answer a poll."""

    class Kind(models.TextChoices):
        PREVIEW = "preview"
        COMMIT = "commit"

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELED = "canceled"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    upload = models.ForeignKey(Upload, null=True, on_delete=models.SET_NULL, related_name="jobs")
    batch = models.OneToOneField(
        ImportBatch, null=True, blank=True, on_delete=models.CASCADE, related_name="job"
    )
    options = models.JSONField(default=dict, blank=True)
    phase = models.CharField(max_length=20, blank=True, default="")
    processed = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_message = models.CharField(max_length=500, blank=True, default="")
    throughput_rows_per_sec = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Stamped when the job is queued, started, progresses, and every few seconds while it runs (jobs.py);
    # a queued or running job whose stamp is old lost its process, and the sweeper takes it over.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    recoveries = models.PositiveSmallIntegerField(default=0)  # times the sweeper queued it again

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["heartbeat_at"],
                condition=Q(status__in=["queued", "running"]),
                name="import_job_unfinished_beat",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} {self.status}"


class ImportItem(models.Model):
    """One data line of a committed file: imported (created/updated/unchanged), skipped or failed.

    Written only with set-based SQL (see merge.py); `prev_*` hold the record as it was before the batch
    when the line updated one, `version_after` the version the batch left, for rollback's change check.
    """

    class Status(models.TextChoices):
        IMPORTED = "imported"
        SKIPPED = "skipped"
        FAILED = "failed"

    class Outcome(models.TextChoices):
        CREATED = "created"
        UPDATED = "updated"
        UNCHANGED = "unchanged"
        NONE = ""

    # The key is (batch, line): a line has one item at most, and a batch's items are read in line order.
    # No surrogate id: one index per item instead of two (at 100,000 items the insert took 1.2-1.7 s
    # instead of 2.4-2.6 s in psql under load), which is most of what a commit writes besides the records.
    pk = models.CompositePrimaryKey("batch", "line")
    # No database constraint: items are written only by the merge, for a batch it just locked, and a
    # deferred foreign-key check per item would cost as much as the merge itself at 500,000 rows.
    # (No index of its own either: the primary key serves every lookup by batch.)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="items", db_constraint=False, db_index=False
    )
    line = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, default="")
    record_id = models.BigIntegerField(null=True, blank=True)
    member_id = models.BigIntegerField(null=True, blank=True)
    work_date = models.DateField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True, default="")
    error_message = models.CharField(max_length=300, blank=True, default="")
    raw = models.JSONField(null=True, blank=True)  # the file's cells, for rejected lines only
    version_after = models.PositiveIntegerField(null=True, blank=True)
    prev_first_in_at = models.DateTimeField(null=True, blank=True)
    prev_last_out_at = models.DateTimeField(null=True, blank=True)
    prev_worked_minutes = models.PositiveIntegerField(null=True, blank=True)
    prev_late_minutes = models.PositiveIntegerField(null=True, blank=True)
    prev_early_leave_minutes = models.PositiveIntegerField(null=True, blank=True)
    prev_status = models.CharField(max_length=20, blank=True, default="")
    prev_source = models.CharField(max_length=20, blank=True, default="")
    prev_source_batch_id = models.BigIntegerField(null=True, blank=True)
    prev_note = models.CharField(max_length=300, blank=True, default="")
    prev_approval_text = models.CharField(max_length=500, blank=True, default="")
    prev_leave_minutes = models.PositiveIntegerField(null=True, blank=True)
    prev_overtime_minutes = models.PositiveIntegerField(null=True, blank=True)
    prev_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["batch_id", "line"]
        # The refused lines (skipped, failed) of a batch, a few among many: errors.csv and ?status= read
        # them without scanning the batch's imported lines.
        indexes = [
            models.Index(
                fields=["batch", "line"], condition=~Q(status="imported"), name="import_item_refused"
            )
        ]

    def __str__(self) -> str:
        return f"batch {self.batch_id} line {self.line} {self.status}"


class ValidatedSet(models.Model):
    """The rows of one upload as a preview validated them, kept so that the commit that follows can merge
    them without reading and validating the file a second time.

    The rows live in two tables of their own (`table`, `rejects_table`: UNLOGGED on PostgreSQL, so
    writing them costs what the preview's temporary tables cost), created by the preview and dropped by
    the janitor. A commit uses a set only when its `key` still matches: the same mapping, timezone,
    pipeline version and members (ids, UserIds, employee numbers, names, active flags); and only when the
    tables hold the row counts recorded in `result` (an unlogged table is emptied by a database crash).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="validated_sets")
    key = models.CharField(max_length=64)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["upload", "key"], name="import_vset_upload_key")]

    def __str__(self) -> str:
        return f"validated set {self.pk} of upload {self.upload_id}"

    @property
    def table(self) -> str:
        return f"imports_vset_{int(self.pk)}"

    @property
    def rejects_table(self) -> str:
        return rejects_table_of(self.table)
