"""Chinese dates on every page: "2026年12月4日", "2026年12月4日 14:05" (Django's zh_Hans formats, with the
Monday start of the week); the input formats stay Django's."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

DATE_FORMAT = "Y年n月j日"
SHORT_DATE_FORMAT = DATE_FORMAT
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y年n月j日 H:i"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
MONTH_DAY_FORMAT = "n月j日"
YEAR_MONTH_FORMAT = "Y年n月"
