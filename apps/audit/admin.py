from django.contrib import admin

from apps.audit.models import OperationLog


@admin.register(OperationLog)
class OperationLogAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "chain",
        "sequence",
        "organization",
        "actor_label",
        "action",
        "target_type",
        "target_id",
        "result",
        "ip",
    ]
    list_filter = ["result", "organization", "action"]
    search_fields = ["action", "actor_label", "target_id", "request_id", "entry_hash"]
    date_hierarchy = "created_at"

    # The log is evidence: nobody edits or deletes it from the admin.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
