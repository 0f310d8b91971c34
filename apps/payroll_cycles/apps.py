from django.apps import AppConfig


class PayrollCyclesConfig(AppConfig):
    name = "apps.payroll_cycles"
    label = "payroll_cycles"

    def ready(self) -> None:
        from apps.attendance import hooks
        from apps.payroll_cycles import locks, tasks  # noqa: F401  (tasks: registers the task names)

        hooks.register_lock_checker(locks.locked_pairs, span=locks.any_frozen_between)
