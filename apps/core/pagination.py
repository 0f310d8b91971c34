from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """`?page=N&pageSize=M` (50 by default, 200 at most) -> {count, next, previous, results}."""

    page_size = 50
    page_size_query_param = "pageSize"
    max_page_size = 200
