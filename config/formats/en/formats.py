"""English dates on every page: "4 Dec 2026", "4 Dec 2026 14:05" (24-hour clock). Django's own English
formats ("Dec. 4, 2026", "12/04/2026", "2:05 p.m.") are not used; input formats stay Django's."""

from django.conf.locale.en.formats import *  # noqa: F403 (the input formats, FIRST_DAY_OF_WEEK, ...)

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = DATE_FORMAT
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "F Y"
