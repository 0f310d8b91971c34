from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination


class _CountedPaginator(Paginator):
    """A paginator told its count (the caller has it already) instead of asking the database."""

    known_count = 0

    @cached_property
    def count(self) -> int:
        return self.known_count


class StandardPagination(PageNumberPagination):
    """`?page=N&pageSize=M` (50 by default, 200 at most) -> {count, next, previous, results}."""

    page_size = 50
    page_size_query_param = "pageSize"
    max_page_size = 200

    def __init__(self, *, count: int | None = None):
        """`count`: how many rows the queryset holds, when the caller has already counted them (saves the
        COUNT query)."""
        if count is not None:
            self.django_paginator_class = type("Counted", (_CountedPaginator,), {"known_count": count})
