"""Notifications and reminders (docs/attendance.md, "Notifications").

`text.py` turns a stored notification into words in a language; `services.py` writes them, `selectors.py` reads them (request submitted
and decided, from the decision path; the daily digest and the missed-punch reminders, from beat) and the
reader's own changes (read, preferences); `mail.py` sends one by e-mail. Kinds are in
`apps.attendance.models.NotificationKind`.
"""
