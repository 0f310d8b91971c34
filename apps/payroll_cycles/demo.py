"""`manage.py demo_seed`'s payroll: a default monthly template and the cycles of last month, this month and
the next, all open, so the Payroll pages and the employee's pay-period card have something to show. Safe to
run again (an existing template is kept, existing cycles are skipped)."""

import contextlib
from datetime import date

from django.utils import timezone

from apps.access.models import Membership, Organization
from apps.core.errors import Conflict
from apps.payroll_cycles.models import PayrollTemplate
from apps.payroll_cycles.periods import add_months
from apps.payroll_cycles.services import cycles_generate, template_create

TEMPLATE = "Monthly"


def seed_demo_payroll(*, organization: Organization, memberships: dict[str, Membership]) -> None:
    admin = memberships.get("admin")
    if admin is None:
        return
    template = PayrollTemplate.objects.for_org(organization).filter(name=TEMPLATE).first()
    if template is None:
        template = template_create(
            actor=admin, values={"name": TEMPLATE, "start_day": 1, "end_day": 31, "is_default": True}
        )
    today = timezone.localdate(timezone.now(), organization.tzinfo)
    year, month = add_months(today.year, today.month, -1)
    with contextlib.suppress(Conflict):  # someone cut these months differently: theirs stay
        cycles_generate(actor=admin, template=template, count=3, anchor_date=date(year, month, 1))
