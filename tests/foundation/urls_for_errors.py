"""The real URLs plus views that fail on purpose (error-envelope tests) and a plain list view that only uses
the project defaults (pagination and filtering conventions)."""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access.api.permissions import IsOrgAdmin
from apps.access.models import Organization
from config import urls

SECRET_IN_EXCEPTION = "s3cr3t-detail-that-must-not-leak"


class ExplodingApiView(APIView):
    permission_classes: list = []

    @extend_schema(exclude=True)
    def get(self, request):
        raise RuntimeError(f"drf view exploded {SECRET_IN_EXCEPTION}")


def exploding_plain_view(request):
    raise RuntimeError(f"plain view exploded {SECRET_IN_EXCEPTION}")


@require_POST
def post_only_plain_view(request):
    return JsonResponse({"ok": True})


class ShiftIn(serializers.Serializer):
    name = serializers.CharField(max_length=20)
    break_minutes = serializers.IntegerField(min_value=0)


class ValidatingApiView(APIView):
    permission_classes: list = []

    @extend_schema(exclude=True)
    def post(self, request):
        ShiftIn(data=request.data).is_valid(raise_exception=True)
        return Response({"ok": True})


class AdminOnlyApiView(APIView):
    permission_classes = [IsOrgAdmin]

    @extend_schema(exclude=True)
    def get(self, request):
        return Response({"ok": True})


def plain_form_view(request):
    return JsonResponse({"ok": True})


class OrganizationOut(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "timezone"]


class OrganizationFilter(filters.FilterSet):
    # Query parameters are not camelized: multi-word ones are declared by their camelCase name.
    since = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Organization
        fields = ["timezone"]


class DefaultsListView(generics.ListAPIView):
    """Declares nothing about pagination or filter backends: the defaults in settings apply."""

    permission_classes: list = []
    serializer_class = OrganizationOut
    queryset = Organization.objects.order_by("slug")
    filterset_class = OrganizationFilter


urlpatterns = [
    path("api/test-conventions/organizations", DefaultsListView.as_view()),
    path("api/test-errors/drf-boom", ExplodingApiView.as_view()),
    path("api/test-errors/plain-boom", exploding_plain_view),
    path("api/test-errors/post-only", post_only_plain_view),
    path("api/test-errors/plain-form", plain_form_view),
    path("api/test-errors/validate", ValidatingApiView.as_view()),
    path("api/test-errors/admin-only", AdminOnlyApiView.as_view()),
    path("page-boom", exploding_plain_view),
    *urls.urlpatterns,
]

handler404 = urls.handler404
handler500 = urls.handler500
