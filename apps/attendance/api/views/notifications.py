"""The caller's own notifications: the list with the unread count, marking read, and their choices."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.permissions import HasMembership, require_membership
from apps.attendance.api import notification_serializers as s
from apps.attendance.models import NotificationPreference
from apps.attendance.notifications import selectors, services
from apps.core.pagination import StandardPagination

TAGS = ["notifications"]
ERRORS = {400: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT}


class NotificationsView(APIView):
    permission_classes = [HasMembership]

    @extend_schema(
        operation_id="notifications_list",
        tags=TAGS,
        parameters=[
            OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only the unread ones."),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("pageSize", OpenApiTypes.INT, description="50 by default, at most 200."),
        ],
        responses={200: s.NotificationsPageOut, **ERRORS},
        description="The caller's notifications in this organization, newest first, in the caller's "
        "language, with `unreadCount` (all unread, not only this page's).",
    )
    def get(self, request):
        member = require_membership(request)
        unread_only = request.query_params.get("unread", "").lower() in {"1", "true", "yes"}
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            selectors.notifications_for(member=member, unread_only=unread_only), request, view=self
        )
        return Response(
            {
                "unread_count": selectors.unread_count(member=member),
                "count": paginator.page.paginator.count,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "results": s.NotificationOut(page, many=True).data,
            }
        )


class MarkReadView(APIView):
    permission_classes = [HasMembership]

    @extend_schema(
        operation_id="notifications_mark_read",
        tags=TAGS,
        request=s.MarkReadIn,
        responses={200: s.MarkReadOut, **ERRORS},
        description="Mark some of the caller's notifications read (`ids`; others' ids are ignored) or all of "
        "them (`all: true`). Marking one already read changes nothing.",
    )
    def post(self, request):
        member = require_membership(request)
        data = s.MarkReadIn(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(
            member=member, ids=data.validated_data.get("ids"), everything=data.validated_data["all"]
        )
        return Response(
            s.MarkReadOut({"marked": marked, "unread_count": selectors.unread_count(member=member)}).data
        )


def _preferences_out(preference: NotificationPreference) -> dict:
    return s.PreferencesOut(
        {"language": preference.language, "muted": preference.muted, "no_email": preference.no_email}
    ).data


class PreferencesView(APIView):
    permission_classes = [HasMembership]

    @extend_schema(
        operation_id="notifications_preferences_read",
        tags=TAGS,
        responses={200: s.PreferencesOut, **ERRORS},
        description="The caller's choices: the language of their notifications (empty: the default) and the "
        "kinds turned off (`muted`) or kept out of e-mail (`noEmail`).",
    )
    def get(self, request):
        member = require_membership(request)
        preference = NotificationPreference.objects.filter(member=member).first()
        return Response(_preferences_out(preference or NotificationPreference(member=member)))

    @extend_schema(
        operation_id="notifications_preferences_update",
        tags=TAGS,
        request=s.PreferencesIn,
        responses={200: s.PreferencesOut, **ERRORS},
        description="Change the caller's choices; fields left out keep their value.",
    )
    def put(self, request):
        member = require_membership(request)
        data = s.PreferencesIn(data=request.data)
        data.is_valid(raise_exception=True)
        preference = services.notification_preferences_update(member=member, **data.validated_data)
        return Response(_preferences_out(preference))
