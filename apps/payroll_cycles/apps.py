from django.apps import AppConfig


class PayrollCyclesConfig(AppConfig):
    name = "apps.payroll_cycles"
    label = "payroll_cycles"
