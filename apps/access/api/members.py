"""Member and role provisioning API (admins only): thin views over apps.access.provisioning."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from apps.access import provisioning
from apps.access.api import admin_serializers as s
from apps.access.api.permissions import AdminView
from apps.access.models import Membership
from apps.access.roles import ROLE_PERMISSIONS
from apps.access.selectors import account_seen_by, administered_memberships, members_search
from apps.core.ratelimit import UNSAFE, rate_limited

TAGS = ["administration"]


class UsersView(AdminView, ListAPIView):
    """Search the organization's members; create one (or bring an existing one up to date)."""

    serializer_class = s.MemberOut
    audit_action = "access.member.provision"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        active = self.request.query_params.get("active")
        return members_search(
            organization=self.organization,
            q=self.request.query_params.get("q", ""),
            active={"true": True, "false": False}.get((active or "").lower()),
        )

    @extend_schema(
        operation_id="admin_users_search",
        tags=TAGS,
        parameters=[
            OpenApiParameter("q", str, description="Part of a user name, name, e-mail or employee number."),
            OpenApiParameter(
                "active", bool, description="Only active (true) or deactivated (false) members."
            ),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="admin_users_provision",
        tags=TAGS,
        request=s.ProvisionIn,
        responses={201: s.ProvisionOut, 200: s.ProvisionOut},
    )
    @rate_limited("admin_write", methods=UNSAFE)
    def post(self, request):
        data = s.ProvisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        result = provisioning.member_provision(
            organization=self.organization, actor=self.admin, **data.validated_data
        )
        code = status.HTTP_201_CREATED if result.status == "created" else status.HTTP_200_OK
        return Response(s.ProvisionOut(result).data, status=code)


class UserView(AdminView):
    audit_action = "access.member.update"

    @extend_schema(
        operation_id="admin_user_update",
        tags=TAGS,
        request=s.MemberPatchIn,
        responses=s.MemberUpdateOut,
        description="Change some of a member's fields: `displayName` (or `name`), `email`, `employeeNo`, "
        "`dingtalkUserId`, `department`, `manager` (a member id of this organization, or null), `roles` "
        "(replaces them). 400 with a code for a bad value, 409 `EMPLOYEE_NO_IN_USE` / "
        "`DINGTALK_USER_ID_IN_USE` for a number another member has, 404 for anyone not in this organization.",
    )
    @rate_limited("admin_write", methods=UNSAFE)
    def patch(self, request, user_id: int):
        member = self.member(user_id)
        data = s.MemberPatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        result = provisioning.member_update(
            organization=self.organization, actor=self.admin, member=member, **data.validated_data
        )
        result.membership = self.member(user_id)  # re-read with its roles
        return Response(s.MemberUpdateOut(result).data)


class UserAccessView(AdminView):
    @extend_schema(operation_id="admin_user_access", tags=TAGS, responses=s.AccessOut)
    def get(self, request, user_id: int):
        member = self.member(user_id)
        memberships = administered_memberships(admin=self.admin, user_id=member.user_id)
        return Response(s.AccessOut({"user": account_seen_by(member), "memberships": memberships}).data)


class UserRolesView(AdminView):
    unassign = False

    @property
    def audit_action(self):
        return "access.role.unassign" if self.unassign else "access.role.assign"

    @extend_schema(tags=TAGS, request=s.RolesIn, responses=s.RoleChangeOut)
    @rate_limited("admin_write", methods=UNSAFE)
    def post(self, request, user_id: int):
        member = self.member(user_id)
        data = s.RolesIn(data=request.data)
        data.is_valid(raise_exception=True)
        service = provisioning.roles_unassign if self.unassign else provisioning.roles_assign
        change = service(
            organization=self.organization, actor=self.admin, member=member, **data.validated_data
        )
        change.membership = self.member(user_id)  # re-read: the roles just changed
        return Response(s.RoleChangeOut(change).data)


class UserDeactivateView(AdminView):
    audit_action = "access.member.deactivate"

    @extend_schema(operation_id="admin_user_deactivate", tags=TAGS, request=None, responses=s.DeactivationOut)
    @rate_limited("admin_write", methods=UNSAFE)
    def post(self, request, user_id: int):
        result = provisioning.member_deactivate(
            organization=self.organization, actor=self.admin, member=self.member(user_id)
        )
        return Response(s.DeactivationOut(result).data)


class UserReactivateView(AdminView):
    audit_action = "access.member.reactivate"

    @extend_schema(operation_id="admin_user_reactivate", tags=TAGS, request=None, responses=s.MemberOut)
    @rate_limited("admin_write", methods=UNSAFE)
    def post(self, request, user_id: int):
        membership = provisioning.member_reactivate(
            organization=self.organization, actor=self.admin, member=self.member(user_id)
        )
        return Response(s.MemberOut(self.member(membership.user_id)).data)


class UserInviteView(AdminView):
    audit_action = "access.member.invite"

    @extend_schema(operation_id="admin_user_invite", tags=TAGS, request=None, responses={202: s.MemberOut})
    @rate_limited("admin_write", methods=UNSAFE)
    def post(self, request, user_id: int):
        membership = provisioning.member_invite(
            organization=self.organization, actor=self.admin, member=self.member(user_id)
        )
        return Response(s.MemberOut(membership).data, status=status.HTTP_202_ACCEPTED)


class RolesView(AdminView):
    @extend_schema(operation_id="admin_roles", tags=TAGS, responses=s.RoleOut(many=True))
    def get(self, request):
        roles = [
            {"name": name, "alias": name.removeprefix("attendance_"), "permissions": list(permissions)}
            for name, permissions in ROLE_PERMISSIONS.items()
        ]
        return Response(s.RoleOut(roles, many=True).data)


class BatchRolesView(AdminView):
    unassign = False

    @property
    def audit_action(self):
        return "access.role.batch_unassign" if self.unassign else "access.role.batch_assign"

    @extend_schema(
        tags=TAGS,
        request=s.BatchIn,
        responses={200: s.BatchOut, 422: OpenApiTypes.OBJECT},
        description="Up to 1,000 users by user name, e-mail or employee number. Each gets a result; unknown "
        "ones are reported. With `atomic: true` nothing changes unless every user can be processed (422 "
        "BATCH_REJECTED with the problem items). Repeating a request changes nothing more.",
    )
    @rate_limited("admin_write", methods=UNSAFE)
    def post(self, request):
        data = s.BatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        service = provisioning.roles_batch_unassign if self.unassign else provisioning.roles_batch_assign
        report = service(organization=self.organization, actor=self.admin, **data.validated_data)
        return Response(
            s.BatchOut({"roles": report.roles, "summary": report.summary, "items": report.items}).data
        )
