from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.serializers import MeOut
from apps.access.models import ApiToken
from apps.access.selectors import active_membership, memberships_for_user


class MeView(APIView):
    """Who the caller is: user, active organization and membership, roles and permissions."""

    @extend_schema(operation_id="me", responses=MeOut, tags=["access"])
    def get(self, request):
        membership = active_membership(request)
        memberships = list(memberships_for_user(user=request.user))
        data = {
            "user": request.user,
            "organization": membership.organization if membership else None,
            "membership": membership,
            "roles": membership.role_names if membership else [],
            "permissions": sorted(membership.permission_codenames) if membership else [],
            "organizations": [m.organization for m in memberships],
            "auth": "token" if isinstance(request.auth, ApiToken) else "session",
        }
        return Response(MeOut(data).data)
