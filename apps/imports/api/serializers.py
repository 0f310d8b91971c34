"""The import API's input and output shapes. Inputs are validated here, once: the services trust what
a serializer let through."""

import re

from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.imports.detection import validate_mapping
from apps.imports.models import ImportBatch, ImportItem, ImportJob, Upload

PREVIEW_LIMIT_MAX = 1000
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


class MappingField(serializers.DictField):
    """{field: header}, e.g. {"workDate": "考勤日期", "userId": "钉钉ID"}."""

    child = serializers.CharField()

    def to_internal_value(self, data):
        # IMPORT_MAPPING_INVALID (with the known fields) rather than a generic field error.
        return validate_mapping(super().to_internal_value(data))


class AsyncFlagMixin:
    # "async" is a Python keyword: the wire's plain name is accepted for the `async_` field. (No docstring:
    # it would become the schema's description of every serializer using this.)

    def to_internal_value(self, data):
        if hasattr(data, "get") and "async" in data:
            data = {**data, "async_": data["async"]}
        return super().to_internal_value(data)


class UploadTextIn(serializers.Serializer):
    csv_text = serializers.CharField(trim_whitespace=False)
    filename = serializers.CharField(required=False, allow_blank=True, max_length=255)


class UploadMultipartIn(serializers.Serializer):
    file = serializers.FileField()


class UploadIn(serializers.Serializer):
    """What any of the upload parsers produced: a stored `file`, or `csvText` (JSON). Neither: the body
    was empty (the service answers that the file is empty)."""

    file = serializers.FileField(required=False, allow_empty_file=True)
    csv_text = serializers.CharField(required=False, trim_whitespace=False)
    filename = serializers.CharField(required=False, allow_blank=True, max_length=255)

    def validate(self, attrs):
        if "file" not in attrs and "csv_text" not in attrs and self.initial_data:
            raise serializers.ValidationError({"file": [_("Send the file in a form field named file.")]})
        return attrs


class ImportUploadOut(serializers.ModelSerializer):
    class Meta:
        model = Upload
        fields = [
            "id",
            "filename",
            "size",
            "sha256",
            "file_type",
            "encoding",
            "line_count",
            "created_at",
            "expires_at",
        ]


class SourceIn(serializers.Serializer):
    upload_id = serializers.IntegerField(required=False)
    csv_text = serializers.CharField(required=False, trim_whitespace=False)
    filename = serializers.CharField(required=False, allow_blank=True, max_length=255)
    mapping = MappingField(required=False)

    def validate(self, attrs):
        if ("upload_id" in attrs) == ("csv_text" in attrs):
            raise serializers.ValidationError({"uploadId": [_("Give uploadId or csvText (one of them).")]})
        return attrs


class PreviewIn(AsyncFlagMixin, SourceIn):
    preview_limit = serializers.IntegerField(
        required=False, min_value=0, max_value=PREVIEW_LIMIT_MAX, default=100
    )
    async_ = serializers.BooleanField(required=False, default=False, source="run_async")
    match_by_name = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "Match a row by its name (姓名) when its UserId and employee number match no member. Off by "
            "default: without it such a row is an UNKNOWN_MEMBER error, never a namesake's record."
        ),
    )


class PrepareIn(SourceIn):
    pass


class PrepareOut(serializers.Serializer):
    commit_token = serializers.CharField()
    expires_at = serializers.DateTimeField()
    ttl_seconds = serializers.IntegerField()
    upload_id = serializers.IntegerField()


class CommitIn(AsyncFlagMixin, serializers.Serializer):
    # `idempotencyKey` may come as the Idempotency-Key header instead (context `header_key`).

    commit_token = serializers.CharField()
    idempotency_key = serializers.CharField(required=False, max_length=128)
    on_error = serializers.ChoiceField(choices=["reject", "skip"], default="reject")
    async_ = serializers.BooleanField(required=False, allow_null=True, default=None, source="run_async")
    match_by_name = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "Match a row by its name (姓名) when its UserId and employee number match no member. Off by "
            "default: without it such a row is an UNKNOWN_MEMBER error, never a namesake's record."
        ),
    )

    def validate(self, attrs):
        key = attrs.get("idempotency_key") or self.context.get("header_key", "")
        if not IDEMPOTENCY_KEY.match(key):
            raise serializers.ValidationError(
                {"idempotency_key": [_("idempotencyKey is required: 1-128 letters, digits or . _ : -")]}
            )
        return {**attrs, "idempotency_key": key}


class PreviewWarningOut(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class PreviewRowOut(serializers.Serializer):
    line = serializers.IntegerField()
    state = serializers.ChoiceField(choices=["valid", "invalid", "duplicate", "locked"])
    action = serializers.CharField(help_text="create, update or unchanged for valid rows")
    member_id = serializers.IntegerField(required=False)
    member_name = serializers.CharField(required=False)
    work_date = serializers.DateField(required=False)
    first_in_at = serializers.DateTimeField(required=False, allow_null=True)
    last_out_at = serializers.DateTimeField(required=False, allow_null=True)
    worked_minutes = serializers.IntegerField(required=False)
    late_minutes = serializers.IntegerField(required=False)
    early_leave_minutes = serializers.IntegerField(required=False)
    status = serializers.CharField(required=False)
    note = serializers.CharField(required=False)
    approval_text = serializers.CharField(required=False, help_text="关联的审批单 as the file gives it")
    leave_minutes = serializers.IntegerField(
        required=False, allow_null=True, help_text="leave that day in minutes; null: the file does not say"
    )
    overtime_minutes = serializers.IntegerField(
        required=False, allow_null=True, help_text="overtime that day in minutes; null: the file does not say"
    )
    cells = serializers.ListField(child=serializers.CharField(), required=False)
    errors = serializers.ListField(child=serializers.DictField())
    warnings = PreviewWarningOut(
        many=True,
        required=False,
        help_text=(
            "Plausibility warnings of a valid row (it can still be imported): DATE_IN_FUTURE, DATE_LONG_AGO "
            "(more than a year back), DAY_TIMES_NIGHT_SHIFT (day-time punches for a member on a night shift)"
        ),
    )


class ImportRowErrorOut(serializers.Serializer):
    line = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    column = serializers.CharField()


class ImportDetectionOut(serializers.Serializer):
    file_type = serializers.CharField()
    encoding = serializers.CharField()
    format = serializers.ChoiceField(choices=["template", "dingtalk_daily", "custom", "mapped"])
    header_line = serializers.IntegerField()
    headers = serializers.ListField(child=serializers.CharField())
    mapping = serializers.DictField(child=serializers.CharField())


class ImportSummaryOut(serializers.Serializer):
    total_rows = serializers.IntegerField(help_text="data rows, without the totals lines")
    ignored_rows = serializers.IntegerField(
        help_text="totals and subtotal lines (合计, 总计, 小计, Total), skipped"
    )
    valid = serializers.IntegerField()
    invalid = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    unknown_members = serializers.IntegerField()
    locked = serializers.IntegerField()
    to_create = serializers.IntegerField()
    to_update = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    warnings = serializers.IntegerField(
        required=False,
        help_text="how many valid rows of the whole file (not only the rows shown) have a plausibility warning",
    )
    error_counts = serializers.DictField(child=serializers.IntegerField())


class UnmatchedPersonOut(serializers.Serializer):
    dingtalk_user_id = serializers.CharField(help_text="UserId as the file gives it ('' when it has none)")
    employee_no = serializers.CharField(help_text="工号 as the file gives it")
    name = serializers.CharField(help_text="姓名 as the file gives it")
    rows = serializers.IntegerField(help_text="how many rows name this person")
    lines = serializers.ListField(child=serializers.IntegerField(), help_text="the first 10 of those lines")


class PreviewOut(serializers.Serializer):
    upload_id = serializers.IntegerField()
    detection = ImportDetectionOut()
    summary = ImportSummaryOut()
    rows = PreviewRowOut(many=True)
    errors = ImportRowErrorOut(many=True)
    errors_truncated = serializers.BooleanField()
    match_by_name = serializers.BooleanField()
    unmatched = UnmatchedPersonOut(
        many=True,
        help_text=(
            "The people of the rows that matched no member (UNKNOWN_MEMBER, AMBIGUOUS_MEMBER), most rows "
            "first: create them or set their DingTalk UserId / employee number, then preview again."
        ),
    )
    unmatched_truncated = serializers.BooleanField(help_text="more than 1,000 people; the first are listed")
    elapsed_ms = serializers.IntegerField()


class ImportJobOut(serializers.ModelSerializer):
    batch_id = serializers.IntegerField(allow_null=True)
    upload_id = serializers.IntegerField(allow_null=True)
    progress = serializers.SerializerMethodField()
    result = serializers.JSONField(allow_null=True)

    class Meta:
        model = ImportJob
        fields = [
            "id", "kind", "status", "phase", "processed", "total", "progress", "attempts", "batch_id", "upload_id",
            "result", "error_code", "error_message", "throughput_rows_per_sec", "created_at", "started_at",
            "finished_at",
        ]  # fmt: skip

    def get_progress(self, job: ImportJob) -> float:
        if job.status == ImportJob.Status.COMPLETED:
            return 1.0
        return round(min(job.processed / job.total, 0.99), 3) if job.total else 0.0


class ImportBatchOut(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", default="", read_only=True)
    job_id = serializers.IntegerField(source="job.id", default=None, read_only=True)
    job_status = serializers.CharField(source="job.status", default=None, read_only=True)
    on_error = serializers.CharField(source="options.on_error", default="reject", read_only=True)
    match_by_name = serializers.BooleanField(source="options.match_by_name", default=False, read_only=True)
    error_details = serializers.SerializerMethodField()
    idempotent = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id", "status", "filename", "idempotency_key", "created_by", "job_id", "job_status", "on_error",
            "match_by_name",
            "total_rows", "created_count", "updated_count", "unchanged_count", "skipped_count", "failed_count",
            "error_code", "error_message", "error_details", "created_at", "completed_at", "rolled_back_at",
            "idempotent",
        ]  # fmt: skip

    def get_error_details(self, batch: ImportBatch) -> dict:
        return {key: value for key, value in batch.error_details.items() if key != "httpStatus"}

    def get_idempotent(self, batch: ImportBatch) -> bool:
        return bool(self.context.get("replay", False))


class ImportCommitAcceptedOut(serializers.Serializer):
    batch = ImportBatchOut()
    job = ImportJobOut()


class ImportItemOut(serializers.ModelSerializer):
    class Meta:
        model = ImportItem
        fields = [
            "line",
            "status",
            "outcome",
            "record_id",
            "member_id",
            "work_date",
            "error_code",
            "error_message",
            "raw",
        ]


class ImportTemplateFieldOut(serializers.Serializer):
    key = serializers.CharField()
    header = serializers.CharField()
    aliases = serializers.ListField(child=serializers.CharField())
    required = serializers.BooleanField()
    description = serializers.CharField()
    example = serializers.CharField(allow_blank=True)


class ImportTemplateOut(serializers.Serializer):
    headers = serializers.ListField(child=serializers.CharField())
    example = serializers.ListField(child=serializers.CharField())
    fields = ImportTemplateFieldOut(many=True)
    status_labels = serializers.DictField(child=serializers.CharField())
    formats = serializers.ListField(child=serializers.CharField())
    max_bytes = serializers.IntegerField()
    max_rows = serializers.IntegerField()
