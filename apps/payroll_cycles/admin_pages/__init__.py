"""The Admin Center's Payroll tab (`/admin-center/payroll/`): period templates, cycles and their moves, a
cycle's readiness, summary, anomalies and changes. Thin views over payroll's services and selectors; private
to payroll_cycles (registered from `PayrollCyclesConfig.ready()`)."""
