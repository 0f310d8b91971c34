"""django-filter FilterSets of the import lists."""

from django_filters import rest_framework as filters

from apps.imports.models import ImportItem

OUTCOMES = ("created", "updated", "unchanged")


class ImportItemFilter(filters.FilterSet):
    """A batch's items: `status` is an item status (imported, skipped, failed) or an imported line's
    outcome (created, updated, unchanged); anything else lists every item."""

    status = filters.CharFilter(method="by_status")

    class Meta:
        model = ImportItem
        fields: list = []

    def by_status(self, queryset, name, value):
        if value in ImportItem.Status.values:
            return queryset.filter(status=value)
        if value in OUTCOMES:
            return queryset.filter(outcome=value)
        return queryset
