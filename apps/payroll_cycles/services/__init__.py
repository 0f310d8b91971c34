"""Payroll writes: one keyword-only `<noun>_<verb>` function each, one transaction, one audit entry."""

from apps.payroll_cycles.services.cycles import (
    cycle_create,
    cycle_delete,
    cycle_update,
    cycles_generate,
    cycles_keep_ahead,
)
from apps.payroll_cycles.services.overtime import overtime_rule_save
from apps.payroll_cycles.services.summary_jobs import summary_job_create
from apps.payroll_cycles.services.templates import template_create, template_delete, template_update
from apps.payroll_cycles.services.transitions import (
    CYCLE_ACTIONS,
    NEEDS_REASON,
    cycle_archive,
    cycle_close,
    cycle_lock,
    cycle_reopen,
    cycle_transition,
    cycle_unlock,
)

__all__ = [
    "CYCLE_ACTIONS",
    "NEEDS_REASON",
    "cycle_archive",
    "cycle_close",
    "cycle_create",
    "cycle_delete",
    "cycle_lock",
    "cycle_reopen",
    "cycle_transition",
    "cycle_unlock",
    "cycle_update",
    "cycles_generate",
    "cycles_keep_ahead",
    "overtime_rule_save",
    "summary_job_create",
    "template_create",
    "template_delete",
    "template_update",
]
