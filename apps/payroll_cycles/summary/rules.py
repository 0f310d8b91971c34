"""Overtime arithmetic shared by both summary paths (the SQL of sql.py spells the same steps in SQL).

Per day: minutes before the shift's start are left out unless the rule counts them; on a workday overtime is
what is worked beyond the shift's required minutes plus the daily threshold, on a rest day or holiday all of
it; with `requires_approval` only approved overtime requests count. Less than `min_minutes` is none; the rest is
rounded to `rounding_minutes` (down, up or nearest, half up) and capped at `max_minutes_per_day`. Per
calendar week (Monday-Sunday, the days of the cycle in it), regular workday minutes beyond the organization
rule's weekly threshold are workday overtime too (not rounded). Weighted minutes are the sum of each kind's
minutes times its multiplier, rounded half up to a whole minute.
"""

from dataclasses import dataclass
from decimal import Decimal

from apps.payroll_cycles.models import OvertimeRule

_DEFAULT = OvertimeRule()


@dataclass(frozen=True)
class Rule:
    min_minutes: int = _DEFAULT.min_minutes
    rounding_minutes: int = _DEFAULT.rounding_minutes
    rounding_mode: str = _DEFAULT.rounding_mode
    max_minutes_per_day: int = _DEFAULT.max_minutes_per_day
    daily_threshold_minutes: int = _DEFAULT.daily_threshold_minutes
    weekly_threshold_minutes: int | None = None
    count_before_shift: bool = _DEFAULT.count_before_shift
    workday_multiplier: Decimal = Decimal(str(_DEFAULT.workday_multiplier))
    restday_multiplier: Decimal = Decimal(str(_DEFAULT.restday_multiplier))
    holiday_multiplier: Decimal = Decimal(str(_DEFAULT.holiday_multiplier))
    requires_approval: bool = False

    FIELDS = (
        "min_minutes",
        "rounding_minutes",
        "rounding_mode",
        "max_minutes_per_day",
        "daily_threshold_minutes",
        "weekly_threshold_minutes",
        "count_before_shift",
        "workday_multiplier",
        "restday_multiplier",
        "holiday_multiplier",
        "requires_approval",
    )

    @classmethod
    def of(cls, rule: OvertimeRule | None) -> "Rule":
        if rule is None:
            return cls()
        return cls(**{f: getattr(rule, f) for f in cls.FIELDS})

    def multiplier(self, kind: str) -> Decimal:
        return {"workday": self.workday_multiplier, "restday": self.restday_multiplier}.get(
            kind, self.holiday_multiplier
        )


def rounded(raw: int, step: int, mode: str) -> int:
    if step <= 1:
        return raw
    if mode == OvertimeRule.Rounding.UP:
        return (raw + step - 1) // step * step
    if mode == OvertimeRule.Rounding.NEAREST:
        return (raw + step // 2) // step * step
    return raw // step * step


def day_overtime(
    *, rule: Rule, kind: str, worked: int, before_start: int, required: int | None, approved: int
) -> int:
    """The overtime minutes of one day (before the weekly rule)."""
    eligible = max(0, worked - (0 if rule.count_before_shift else before_start))
    if rule.requires_approval:
        raw = approved
    elif kind == "workday":
        raw = 0 if required is None else max(0, eligible - required - rule.daily_threshold_minutes)
    else:
        raw = eligible
    if raw <= 0 or raw < rule.min_minutes:
        return 0
    return min(rule.max_minutes_per_day, rounded(raw, rule.rounding_minutes, rule.rounding_mode))
