"""Attendance settings in the Admin Center (`/admin-center/settings/attendance/`, namespace
`admin_settings`): thin pages over the setup services (apps/attendance/services), admins only (the shell's
guard), one module per noun: the holiday calendar, leave types, shifts / sites / policy, the organization's
timezone and members' shift assignments. Mounted from AttendanceConfig.ready(); private to attendance."""
