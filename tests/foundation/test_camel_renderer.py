"""The API's renderer camelizes exactly as djangorestframework_camel_case does (it only does it faster)."""

import json
from collections import OrderedDict
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy
from djangorestframework_camel_case.render import CamelCaseJSONRenderer as LibraryRenderer
from djangorestframework_camel_case.util import camelize as library_camelize
from rest_framework.utils.serializer_helpers import ReturnDict

from apps.core.renderers import CamelCaseJSONRenderer, camelize

SAMPLE = {
    "first_in_at": datetime(2026, 3, 2, 9, 0),
    "work_date": date(2026, 3, 2),
    "worked_hours": Decimal("7.50"),
    "by_status": OrderedDict([("late_early", 1), ("early_leave", 0)]),
    "results": [{"member": {"employee_no": "E1", "user_2fa": True, "x_1_y": None}}, ("a_b", 2)],
    "nested": ReturnDict(
        {"not_judged_days": 3, "_private": 1, "trailing_": 2, "double__under": 4}, serializer=None
    ),
    gettext_lazy("lazy_key"): gettext_lazy("a lazy value"),
    7: {"int_key": "kept"},
    "set_value": frozenset({"only_one"}),
    "text_with_under_score": "values are never changed",
}


def test_camelize_matches_the_library():
    assert camelize(SAMPLE) == library_camelize(SAMPLE)
    assert isinstance(camelize(SAMPLE)["nested"], ReturnDict)


def test_the_renderer_writes_the_same_bytes_as_the_library():
    ours = CamelCaseJSONRenderer().render(SAMPLE)
    theirs = LibraryRenderer().render(SAMPLE)
    assert json.loads(ours) == json.loads(theirs)
    assert ours == theirs
