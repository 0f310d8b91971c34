from django.apps import AppConfig


class PayrollCyclesConfig(AppConfig):
    name = "apps.payroll_cycles"
    label = "payroll_cycles"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from apps.access.admin_center import Section, register_section, register_urls
        from apps.access.hooks import register_demo_seeder
        from apps.attendance import hooks
        from apps.payroll_cycles import audit_wording, employee_card, locks, tasks  # noqa: F401  (tasks: registers the task names)
        from apps.payroll_cycles.demo import seed_demo_payroll

        register_demo_seeder(seed_demo_payroll)
        hooks.register_lock_checker(locks.locked_pairs, span=locks.any_frozen_between)
        hooks.register_period_namer(locks.frozen_cycle_names)
        audit_wording.register()
        hooks.register_employee_card(
            hooks.EmployeeCard(
                key=employee_card.KEY,
                template=employee_card.TEMPLATE,
                context=employee_card.card_context,
                order=20,
            )
        )
        register_urls("apps.payroll_cycles.admin_pages.urls", prefix="payroll/")
        register_section(
            Section(
                key="payroll",
                title=_("Payroll"),
                url_name="admin_payroll:home",
                order=45,
                text=_("Pay periods: generate them, check what is unsettled, lock, close and reopen them."),
                active=("admin_payroll:*",),
            )
        )
