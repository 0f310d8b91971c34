from rest_framework import serializers

from apps.access.models import Membership, Organization


class OrganizationOut(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "slug", "name", "timezone"]


class MembershipOut(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    manager = serializers.SerializerMethodField()
    roles = serializers.ListField(source="role_names", child=serializers.CharField(), read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "employee_no", "name", "display_name", "department", "manager", "is_active", "roles"]

    def get_manager(self, membership: Membership) -> str | None:
        return membership.manager.user.get_username() if membership.manager_id else None


class UserOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    full_name = serializers.CharField(source="get_full_name")


class MeOut(serializers.Serializer):
    user = UserOut()
    organization = OrganizationOut(allow_null=True)
    membership = MembershipOut(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())
    permissions = serializers.ListField(child=serializers.CharField())
    organizations = OrganizationOut(many=True)
    auth = serializers.ChoiceField(choices=["session", "token"])
