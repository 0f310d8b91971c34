"""Spreadsheet-safe CSV, for every export: one formula escaper (in Python and as SQL for COPY ... TO) and one
CSV response.

A cell starting with = + - @ (or a tab / carriage return that hides one) is prefixed with an apostrophe, as
OWASP recommends against CSV injection, so Excel and LibreOffice show it as text instead of running it.
"""

from collections.abc import Iterable

from django.http import HttpResponse, StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def safe_cell_sql(expression: str) -> str:
    """The same escape as a PostgreSQL expression over a text `expression` (for COPY ... TO STDOUT)."""
    return (
        f"CASE WHEN left({expression}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r') "
        f"THEN '''' || {expression} ELSE {expression} END"
    )


def csv_response(chunks: Iterable, filename: str, *, streaming: bool = True) -> HttpResponse:
    """An attachment of CSV text or bytes; streamed unless `streaming=False` (a small body built at once)."""
    response = (StreamingHttpResponse if streaming else HttpResponse)(
        chunks, content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
