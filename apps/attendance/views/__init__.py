"""Pages of the attendance app: the employee's month (`employee`) and the approver inbox (`approvals`).

Kept empty on purpose: importing the package must not import every page and its forms.
"""
