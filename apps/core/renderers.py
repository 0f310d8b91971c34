"""Renderers the API views share."""

import functools
from types import NoneType
from typing import Any

from django.utils.encoding import force_str
from django.utils.functional import Promise
from djangorestframework_camel_case import render as camel_render
from djangorestframework_camel_case import util as camel_util
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict


class CSVRenderer(BaseRenderer):
    """Lets `?format=csv` through DRF's content negotiation; the views answer CSV themselves
    (`apps.core.spreadsheet.csv_response`)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else str(data or "").encode()


# --- camelCase JSON, the API's one renderer -------------------------------------------------------------

_UNDERSCORE = camel_util.camelize_re


@functools.lru_cache(maxsize=4096)
def _camel_key(key: str) -> str:
    return _UNDERSCORE.sub(camel_util.underscore_to_camel, key) if "_" in key else key


def camelize(data: Any) -> Any:
    """What djangorestframework_camel_case's `camelize` returns (with its default options), faster: each
    distinct key is converted once per process, and the common leaf values return at once. A month's
    records spent about 3 ms of a request in the library's walk (issue 16);
    tests/foundation/test_camel_renderer.py compares the two."""
    if isinstance(data, str | int | float | bool | NoneType):
        return data
    if isinstance(data, Promise):
        return force_str(data)
    if isinstance(data, dict):
        out = ReturnDict(serializer=data.serializer) if isinstance(data, ReturnDict) else {}
        for key, value in data.items():
            if isinstance(key, Promise):
                key = force_str(key)
            out[_camel_key(key) if isinstance(key, str) else key] = camelize(value)
        return out
    if isinstance(data, list | tuple):
        return [camelize(item) for item in data]
    if camel_util.is_iterable(data):
        return [camelize(item) for item in data]
    return data


class CamelCaseJSONRenderer(camel_render.CamelCaseJSONRenderer):
    """The API's JSON renderer: snake_case keys go out as camelCase (djangorestframework_camel_case's
    renderer, with the faster `camelize` above)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer.render(self, camelize(data), accepted_media_type, renderer_context)
