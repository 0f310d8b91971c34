from django.contrib import admin, messages

from apps.access.models import ApiToken, Membership, Organization
from apps.access.services import token_revoke


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_readonly_fields(self, request, obj=None):
        # An organization's settings (IP allowlist, retention, ...) and its timezone have rules and
        # knock-on effects their services apply (Admin Center > Settings); here they are shown, not edited.
        return ["timezone", "settings", "created_at"] if obj is not None else ["created_at"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "organization",
        "employee_no",
        "external_id",
        "display_name",
        "department",
        "manager",
        "is_active",
    ]
    list_filter = ["organization", "is_active", "roles", "department"]
    search_fields = ["user__username", "user__email", "employee_no", "external_id", "display_name"]
    autocomplete_fields = ["user", "manager"]
    list_select_related = ["user", "organization", "manager__user"]
    # Roles and activation go through their services (Admin Center > User Access): they keep the last
    # administrator, end the person's sessions and tokens, and write the webhook event.
    readonly_fields = ["roles", "is_active"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "prefix",
        "user",
        "organization",
        "name",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["organization"]
    search_fields = ["prefix", "user__username", "name"]
    readonly_fields = ["prefix", "key_hash", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        # The raw value must be shown once, so tokens are issued by `manage.py tokens create` or the API.
        return False

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            token_revoke(token_id=token.pk, actor=request.user)
        self.message_user(request, f"Revoked {queryset.count()} token(s).", messages.SUCCESS)
