"""The API's request parsers: camelCase keys in, snake_case in Python, with limits a hostile body cannot pass.

JSON nested deeper than `MAX_JSON_DEPTH` or holding a NUL character is refused with 400 `MALFORMED_REQUEST`
before any code walks it (the camel-case conversion recurses, and PostgreSQL refuses NUL in text), and a
multipart body with no boundary is a parse error, never a 500.
"""

import json

from django.conf import settings
from djangorestframework_camel_case.parser import (
    CamelCaseFormParser,
    CamelCaseJSONParser,
    CamelCaseMultiPartParser,
)
from djangorestframework_camel_case.util import underscoreize
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 32


def json_problem(value) -> str | None:
    """Why a decoded JSON document is refused (too deep, a NUL in a string), walked without recursion."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            if depth > MAX_JSON_DEPTH:
                return f"nested deeper than {MAX_JSON_DEPTH} levels"
            for key, child in item.items():
                if "\x00" in key:
                    return "a NUL character in a key"
                pending.append((child, depth + 1))
        elif isinstance(item, list):
            if depth > MAX_JSON_DEPTH:
                return f"nested deeper than {MAX_JSON_DEPTH} levels"
            pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and "\x00" in item:
            return "a NUL character in a string"
    return None


class JSONParser(CamelCaseJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            value = json.loads(stream.read().decode(encoding))
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise ParseError(f"JSON parse error - {exc}") from exc
        problem = json_problem(value)
        if problem:
            raise ParseError(f"JSON parse error - {problem}")
        return underscoreize(value, **self.json_underscoreize)


class FormParser(CamelCaseFormParser):
    """Form fields are checked by the serializers (DRF refuses NUL in a CharField)."""


class MultiPartParser(CamelCaseMultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        if "boundary=" not in (media_type or ""):
            raise ParseError("Multipart form parse error - the Content-Type names no boundary.")
        return super().parse(stream, media_type, parser_context)
