"""Input and output shapes of the administration API's members, roles and security settings (snake_case
here, camelCase on the wire)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.access.models import Membership, Organization


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string"}],
        "nullable": True,
        "description": "The manager's member id (`id` in a member), or their user name, e-mail or employee "
        "number; null or empty for none.",
    }
)
class ManagerField(serializers.Field):
    """A member id (integer) or an identifier (text); null means none."""

    default_error_messages = {
        "invalid": "Give the manager's member id, user name, e-mail or employee number."
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class MemberOut(serializers.ModelSerializer):
    user_id = serializers.IntegerField(source="user.id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    dingtalk_user_id = serializers.CharField(source="external_id", read_only=True)
    manager = serializers.SerializerMethodField()
    manager_id = serializers.IntegerField(read_only=True, allow_null=True)
    roles = serializers.SerializerMethodField()
    account_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "user_id",
            "username",
            "email",
            "name",
            "employee_no",
            "dingtalk_user_id",
            "department",
            "manager",
            "manager_id",
            "is_active",
            "account_active",
            "roles",
        ]

    def get_manager(self, membership: Membership) -> str | None:
        return membership.manager.user.username if membership.manager_id else None

    def get_roles(self, membership: Membership) -> list[str]:
        return sorted(group.name for group in membership.roles.all())


class OrganizationRef(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name"]


class MembershipAccessOut(MemberOut):
    organization = OrganizationRef(read_only=True)
    permissions = serializers.SerializerMethodField()

    class Meta(MemberOut.Meta):
        fields = [*MemberOut.Meta.fields, "organization", "permissions"]

    def get_permissions(self, membership: Membership) -> list[str]:
        return sorted(membership.permission_codenames)


class AccountOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField()
    full_name = serializers.CharField(source="get_full_name")
    is_active = serializers.BooleanField()
    last_login = serializers.DateTimeField(allow_null=True)


class AccessOut(serializers.Serializer):
    user = AccountOut()
    memberships = MembershipAccessOut(many=True)


class ProvisionIn(serializers.Serializer):
    username = serializers.CharField(allow_blank=True, trim_whitespace=True)
    email = serializers.CharField(required=False, allow_blank=True, default="")
    employee_no = serializers.CharField(required=False, allow_blank=True, default="")
    name = serializers.CharField(required=False, allow_blank=True, default="")
    department = serializers.CharField(required=False, allow_blank=True, default="")
    dingtalk_user_id = serializers.CharField(required=False, allow_blank=True, default="")
    manager = ManagerField(required=False, default="")
    roles = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    invite = serializers.BooleanField(required=False, default=False)


class MemberPatchIn(serializers.Serializer):
    """Only the fields given change; "" clears a text field, a null manager removes the manager, `roles`
    replaces the member's roles."""

    name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    display_name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    email = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    employee_no = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    dingtalk_user_id = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    department = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    manager = ManagerField(required=False)
    roles = serializers.ListField(child=serializers.CharField(), required=False, allow_empty=False)

    def validate(self, attrs):
        if "display_name" in attrs:
            attrs["name"] = attrs.pop("display_name")
        if not attrs:
            raise serializers.ValidationError("Give at least one field to change.")
        return attrs


class MemberUpdateOut(serializers.Serializer):
    member = MemberOut(source="membership")
    changes = serializers.DictField()


class ProvisionOut(serializers.Serializer):
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged"])
    member = MemberOut(source="membership")
    changes = serializers.DictField()
    invited = serializers.BooleanField()


class RolesIn(serializers.Serializer):
    roles = serializers.ListField(child=serializers.CharField(), allow_empty=False)


class RoleChangeOut(serializers.Serializer):
    member = MemberOut(source="membership")
    changed = serializers.ListField(source="roles", child=serializers.CharField())


class BatchIn(serializers.Serializer):
    users = serializers.ListField(child=serializers.CharField(allow_blank=True, trim_whitespace=False))
    roles = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    atomic = serializers.BooleanField(required=False, default=False)


class BatchItemOut(serializers.Serializer):
    user = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["changed", "unchanged", "not_found", "ambiguous", "duplicate", "invalid", "last_admin"]
    )
    username = serializers.CharField(required=False)
    member_id = serializers.IntegerField(required=False)
    roles = serializers.ListField(child=serializers.CharField(), required=False)
    candidates = serializers.ListField(child=serializers.CharField(), required=False)
    same_as = serializers.CharField(required=False)
    code = serializers.CharField(required=False)


class BatchOut(serializers.Serializer):
    roles = serializers.ListField(child=serializers.CharField())
    summary = serializers.DictField(child=serializers.IntegerField())
    items = BatchItemOut(many=True)


class DeactivationOut(serializers.Serializer):
    member = MemberOut(source="membership")
    changed = serializers.BooleanField()
    sessions_ended = serializers.IntegerField()
    tokens_revoked = serializers.IntegerField()
    account_deactivated = serializers.BooleanField(source="user_deactivated")


class RoleOut(serializers.Serializer):
    name = serializers.CharField()
    alias = serializers.CharField()
    permissions = serializers.ListField(child=serializers.CharField())


class IpAllowlistIO(serializers.Serializer):
    admin = serializers.ListField(child=serializers.CharField(), allow_empty=True)
    all_api = serializers.BooleanField(required=False, default=False)


class IpAllowlistOut(IpAllowlistIO):
    your_address = serializers.CharField(read_only=True)


class RetentionIO(serializers.Serializer):
    operation_log_days = serializers.IntegerField(required=False)
    attendance_days = serializers.IntegerField(required=False)
