"""How payroll's operation-log entries read in the audit viewer (apps/audit/wording.py)."""

from django.utils.translation import gettext_lazy as _

from apps.access.models import Organization
from apps.audit.wording import register_target_namer, register_wordings
from apps.payroll_cycles.models import PayrollCycle, PayrollTemplate


def _ids(ids: list[str]) -> list[int]:
    return [int(value) for value in ids if value.isascii() and value.isdigit() and len(value) < 19]


def _named(model):
    def namer(ids: list[str], organization: Organization) -> dict[str, str]:
        rows = model.objects.filter(organization=organization, pk__in=_ids(ids)).only("pk", "name")
        return {str(row.pk): row.name for row in rows}

    return namer


def register() -> None:
    register_target_namer("payroll_cycles.payrollcycle", _named(PayrollCycle))
    register_target_namer("payroll_cycles.payrolltemplate", _named(PayrollTemplate))
    cycle, template = _("a pay period"), _("a pay period template")
    register_wordings(
        "payroll",
        {
            "payroll.cycle.create": (_("%(actor)s created the pay period %(target)s"), cycle),
            "payroll.cycle.generate": _("%(actor)s generated pay periods"),
            "payroll.cycle.update": (_("%(actor)s changed the pay period %(target)s"), cycle),
            "payroll.cycle.delete": (_("%(actor)s deleted the pay period %(target)s"), cycle),
            "payroll.cycle.lock": (_("%(actor)s locked the pay period %(target)s"), cycle),
            "payroll.cycle.unlock": (_("%(actor)s unlocked the pay period %(target)s"), cycle),
            "payroll.cycle.close": (_("%(actor)s closed the pay period %(target)s"), cycle),
            "payroll.cycle.reopen": (_("%(actor)s reopened the pay period %(target)s"), cycle),
            "payroll.cycle.archive": (_("%(actor)s archived the pay period %(target)s"), cycle),
            "payroll.template.create": (_("%(actor)s added the template %(target)s"), template),
            "payroll.template.update": (_("%(actor)s changed the template %(target)s"), template),
            "payroll.template.delete": (_("%(actor)s deleted the template %(target)s"), template),
            "payroll.overtime_rule.create": _("%(actor)s set the overtime rules"),
            "payroll.overtime_rule.update": _("%(actor)s changed the overtime rules"),
            "payroll.anomalies.resolve": _("%(actor)s settled attendance anomalies in a batch"),
            "payroll.summary_job.create": _("%(actor)s asked for a pay period summary"),
        },
    )
