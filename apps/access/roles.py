"""The four roles and the permissions each grants. The data migration creates them as Django Groups."""

EMPLOYEE = "attendance_employee"
APPROVER = "attendance_approver"
IMPORTER = "attendance_importer"
ADMIN = "attendance_admin"

READ = "attendance_read"
WRITE = "attendance_write"
APPROVE = "attendance_approve"
IMPORT = "attendance_import"
ADMINISTER = "attendance_admin"

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    EMPLOYEE: (READ, WRITE),
    APPROVER: (READ, WRITE, APPROVE),
    IMPORTER: (READ, WRITE, IMPORT),
    ADMIN: (READ, WRITE, APPROVE, IMPORT, ADMINISTER),
}
ROLE_NAMES = tuple(ROLE_PERMISSIONS)
