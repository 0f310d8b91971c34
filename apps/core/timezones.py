"""The timezones an organization or a payroll template may be set to: IANA locations only.

`zoneinfo.available_timezones()` also lists `localtime` (whatever /etc/localtime is on the machine that reads
it, so a web server and a worker on two hosts would compute different work dates) and `Factory` (tzdata's
placeholder for a machine not configured yet, abbreviation "-00"); `posixrules` is a link kept for old
POSIX TZ strings. None of them names a place.
"""

from functools import cache
from zoneinfo import available_timezones

NOT_A_PLACE = frozenset({"localtime", "Factory", "posixrules"})


@cache
def selectable_timezones() -> tuple[str, ...]:
    """Every IANA name an organization may choose, sorted."""
    return tuple(sorted(available_timezones() - NOT_A_PLACE))


def is_selectable_timezone(name: str) -> bool:
    return name in selectable_timezones()
