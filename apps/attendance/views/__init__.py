"""Pages of the attendance app: the employee's month (`employee`) and the approver inbox (`approvals`).

Kept empty on purpose: `apps.attendance.forms` imports `views.text`, and the view modules import the forms.
"""
