"""Reading numbers and dates out of query strings and forms without surprises.

`str.isdigit()` is true for "²" and other Unicode digits that `int()` refuses, and a date at the edge of
Python's range (0001-01-01, 9999-12-31) overflows as soon as a day is added to it. These helpers accept
only ASCII digits within a database integer, and dates in the range an attendance system can mean.
"""

import re
from datetime import date

from django import forms
from django.utils.translation import gettext
from rest_framework import serializers

ASCII_DIGITS = re.compile(r"[0-9]{1,18}")  # 18 digits always fit a signed 64-bit integer
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2199, 12, 31)


def ascii_int(raw) -> int | None:
    """`raw` as a non-negative integer if it is 1-18 ASCII digits, else None."""
    text = str(raw)
    return int(text) if ASCII_DIGITS.fullmatch(text) else None


def date_supported(day: date) -> bool:
    return DATE_MIN <= day <= DATE_MAX


def date_out_of_range_message() -> str:
    return gettext("Not a date between 1900-01-01 and 2199-12-31.")


class SupportedDateField(serializers.DateField):
    """An API input date within DATE_MIN..DATE_MAX (a service adds days to it: 9999-12-31 would overflow)."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not date_supported(day):
            raise serializers.ValidationError(date_out_of_range_message(), code="out_of_range")
        return day


class SupportedDateFormField(forms.DateField):
    """The same limit for a page's form."""

    def to_python(self, value):
        day = super().to_python(value)
        if day is not None and not date_supported(day):
            raise forms.ValidationError(date_out_of_range_message(), code="out_of_range")
        return day
