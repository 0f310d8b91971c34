"""Calendar feeds: the caller's secret feed URL, rotating it, and the .ics document behind it.

The document is fetched by calendar applications that cannot sign in: its URL's token is its only
credential (no session, no bearer token), it is rate-limited per client address, and a token that was
rotated away, or whose owner lost the role the feed needs, is 404."""

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.permissions import HasMembership, require_membership
from apps.attendance import feeds
from apps.attendance.models import CalendarFeed
from apps.attendance.services import feeds as services
from apps.core.ratelimit import UNSAFE, rate_limited

KIND_PARAMETER = OpenApiParameter(
    "kind",
    OpenApiTypes.STR,
    enum=CalendarFeed.Kind.values,
    description="personal (default): your shifts and approved leave; team: the approved leave of the people "
    "you approve for (approvers and admins); holidays: the organization's holidays (admins).",
)
ERRORS = {400: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT}


class FeedOut(serializers.Serializer):
    url = serializers.CharField(help_text="The secret address to subscribe to (https, .ics).")
    kind = serializers.CharField()
    created_at = serializers.DateTimeField()
    rotated_at = serializers.DateTimeField(allow_null=True)
    last_fetched_at = serializers.DateTimeField(allow_null=True)


def _out(request, feed: CalendarFeed) -> dict:
    path = reverse("attendance-calendar-feed-ics", kwargs={"token": services.feed_token(feed)})
    return FeedOut(
        {
            "url": request.build_absolute_uri(path),
            "kind": feed.kind,
            "created_at": feed.created_at,
            "rotated_at": feed.rotated_at,
            "last_fetched_at": feed.last_fetched_at,
        }
    ).data


class CalendarFeedView(APIView):
    permission_classes = [HasMembership]

    @extend_schema(
        operation_id="attendance_calendar_feed",
        tags=["calendar feeds"],
        parameters=[KIND_PARAMETER],
        responses={200: FeedOut, **ERRORS},
        description="Your secret calendar feed address (made the first time you ask). Anyone who has the "
        "address can read the feed: keep it private, and rotate it if it leaks. A team feed needs the "
        "approver role, the holiday feed the admin role (403 FORBIDDEN otherwise).",
    )
    def get(self, request):
        member = require_membership(request)
        kind = services.feed_kind(request.query_params.get("kind"))
        return Response(_out(request, services.calendar_feed_get(member=member, kind=kind)))


class CalendarFeedRotateView(APIView):
    permission_classes = [HasMembership]

    @extend_schema(
        operation_id="attendance_calendar_feed_rotate",
        tags=["calendar feeds"],
        parameters=[KIND_PARAMETER],
        request=None,
        responses={200: FeedOut, **ERRORS},
        description="Replace your feed address with a new one; the old address answers 404 from now on.",
    )
    @rate_limited("admin_write", methods=UNSAFE)
    def post(self, request):
        member = require_membership(request)
        kind = services.feed_kind(request.query_params.get("kind") or request.data.get("kind"))
        return Response(_out(request, services.calendar_feed_rotate(member=member, kind=kind)))


class ICalendarRenderer(BaseRenderer):
    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else str(data or "").encode()


class CalendarFeedDocumentView(APIView):
    authentication_classes: list = []  # the token in the address is the credential
    permission_classes = [AllowAny]
    renderer_classes = [*APIView.renderer_classes, ICalendarRenderer]

    @extend_schema(
        operation_id="attendance_calendar_feed_document",
        tags=["calendar feeds"],
        auth=[],
        responses={
            (200, "text/calendar"): OpenApiTypes.BINARY,
            404: OpenApiTypes.OBJECT,
            429: OpenApiTypes.OBJECT,
        },
        description="The feed itself (iCalendar, RFC 5545), for calendar applications: shifts as timed "
        "events in UTC, leave and holidays as all-day events, stable UIDs; cancelled or rejected leave is "
        "not in it. No sign-in: the token in the address is the credential. 404 for an unknown or rotated "
        "address; rate-limited per client address (429 RATE_LIMITED).",
    )
    @rate_limited("calendar_feed")
    def get(self, request, token: str):
        feed = services.calendar_feed_resolve(token=token)
        response = HttpResponse(feeds.feed_document(feed), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="timeledger-{feed.kind}.ics"'
        response["Cache-Control"] = "private, max-age=300"
        response["X-Robots-Tag"] = "noindex"
        return response
