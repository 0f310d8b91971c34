"""Forms of the attendance pages. They parse what a person typed into the values a service takes; the
rules (dates, balances, overlaps, locks) stay in the services, whose messages the pages show.

Every write form carries an idempotency key rendered into the page, so a double-submitted form (a double
click, a browser retry) is answered with the first result by the service instead of writing twice.
"""

import json
import uuid
from datetime import datetime, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.attendance.models import AdjustmentRequest, LeaveRequest, LeaveType, Punch
from apps.core.params import SupportedDateFormField

# A service's error names the field in its API spelling; the page shows it next to the form's field.
SERVICE_FIELDS = {
    "kind": "kind",
    "workDate": "work_date",
    "requestedInAt": "in_time",
    "requestedOutAt": "out_time",
    "reason": "reason",
    "leaveType": "leave_type",
    "startDate": "start_date",
    "endDate": "end_date",
    "half": "half",
    "hours": "hours",
    "comment": "comment",
    "minutes": "minutes",
    "Idempotency-Key": "idempotency_key",
}

# A browser's date input speaks ISO dates whatever the page's language (zh-hans would render 2026/03/04).
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class IdempotentForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=128)
    # Several forms share the page: their element ids must not collide.
    id_format = "id_%s"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", self.id_format)
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_idempotency_key())

    def add_service_error(self, error) -> None:
        """Show a service's DomainError next to the field it names, or above the form."""
        field = SERVICE_FIELDS.get((error.details or {}).get("field", ""))
        self.add_error(field if field in self.fields else None, error.message)


class PunchForm(IdempotentForm):
    id_format = "punch_%s"
    kind = forms.ChoiceField(choices=Punch.Kind.choices)
    # Filled by the page's script from the browser's geolocation when the organization has a geofence.
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    accuracy = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=0)

    def location(self) -> dict | None:
        data = self.cleaned_data
        if data.get("lat") is None or data.get("lon") is None:
            return None
        return {"lat": data["lat"], "lon": data["lon"], "accuracy": data.get("accuracy")}


class AdjustmentForm(IdempotentForm):
    Kind = AdjustmentRequest.Kind
    id_format = "adjustment_%s"

    kind = forms.ChoiceField(
        label=_("What to fix"),
        choices=[
            (Kind.MISSED_CHECK_IN, _("Missed check-in")),
            (Kind.MISSED_CHECK_OUT, _("Missed check-out")),
            (Kind.TIME_CORRECTION, _("Time correction")),
        ],
    )
    work_date = SupportedDateFormField(label=_("Date"), widget=DATE_INPUT)
    in_time = forms.TimeField(
        label=_("Check-in time"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    out_time = forms.TimeField(
        label=_("Check-out time"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    out_next_day = forms.BooleanField(label=_("Check-out was after midnight"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        wants_in = kind in {self.Kind.MISSED_CHECK_IN, self.Kind.TIME_CORRECTION}
        wants_out = kind in {self.Kind.MISSED_CHECK_OUT, self.Kind.TIME_CORRECTION}
        # A time the chosen kind does not use is left out, so that a field typed in and then hidden by the
        # kind does not turn into an error the person cannot see.
        if not wants_in:
            data["in_time"] = None
        if not wants_out:
            data["out_time"] = None
        if kind == self.Kind.MISSED_CHECK_IN and data.get("in_time") is None and "in_time" not in self.errors:
            self.add_error("in_time", _("Enter the time you arrived."))
        if (
            kind == self.Kind.MISSED_CHECK_OUT
            and data.get("out_time") is None
            and "out_time" not in self.errors
        ):
            self.add_error("out_time", _("Enter the time you left."))
        if (
            kind == self.Kind.TIME_CORRECTION
            and data.get("in_time") is None
            and data.get("out_time") is None
            and not self.errors
        ):
            raise forms.ValidationError(_("Enter the check-in time, the check-out time or both."))
        return data

    def service_arguments(self, tzinfo) -> dict:
        data = self.cleaned_data
        day = data["work_date"]
        out_day = day + timedelta(days=1) if data.get("out_next_day") else day
        return {
            "kind": data["kind"],
            "work_date": day,
            "reason": data["reason"],
            "requested_in_at": (
                datetime.combine(day, data["in_time"], tzinfo=tzinfo) if data.get("in_time") else None
            ),
            "requested_out_at": (
                datetime.combine(out_day, data["out_time"], tzinfo=tzinfo) if data.get("out_time") else None
            ),
            "idempotency_key": data["idempotency_key"],
        }


class LeaveForm(IdempotentForm):
    id_format = "leave_%s"
    leave_type = forms.ChoiceField(label=_("Leave type"))
    start_date = SupportedDateFormField(label=_("From"), widget=DATE_INPUT)
    end_date = SupportedDateFormField(label=_("To"), widget=DATE_INPUT)
    half = forms.ChoiceField(
        label=_("Half day"),
        required=False,
        choices=[
            (LeaveRequest.Half.NONE, _("Whole day")),
            (LeaveRequest.Half.AM, _("Morning")),
            (LeaveRequest.Half.PM, _("Afternoon")),
        ],
        help_text=_("Half-day leave types only, on a single date."),
    )
    hours = forms.DecimalField(
        label=_("Hours"),
        required=False,
        min_value=0,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "max": "24"}),
        help_text=_("Hourly leave types only, on a single date."),
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, leave_types: list[LeaveType], **kwargs):
        super().__init__(*args, **kwargs)
        self.leave_types = {t.code: t for t in leave_types}
        self.fields["leave_type"].choices = [(t.code, t.display_name) for t in leave_types]
        # The page script shows the half-day or hours field for the chosen type's unit.
        self.fields["leave_type"].widget.attrs["data-units"] = json.dumps(
            {t.code: t.unit for t in leave_types}
        )

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "leave_type": self.leave_types[data["leave_type"]],
            "start_date": data["start_date"],
            "end_date": data["end_date"],
            "half": data.get("half") or "",
            "hours": data.get("hours"),
            "reason": data.get("reason") or "",
            "idempotency_key": data["idempotency_key"],
        }


class DecisionForm(forms.Form):
    """One row of the approver inbox; its fields carry the row's prefix (`adjustment-12-comment`)."""

    comment = forms.CharField(label=_("Comment"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_service_error(self, error) -> None:
        field = SERVICE_FIELDS.get((error.details or {}).get("field", ""))
        self.add_error(field if field in self.fields else None, error.message)


class IdListField(forms.Field):
    """Ticked request ids. Any id may be posted: the service reports the ones outside the inbox."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        try:
            ids = [int(v) for v in value or []]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Select requests from the list.")) from None
        if any(not 0 < pk < 2**63 for pk in ids):
            raise forms.ValidationError(_("Select requests from the list."))
        return list(dict.fromkeys(ids))


class BulkApproveForm(forms.Form):
    adjustment = IdListField(required=False)
    leave = IdListField(required=False)
    overtime = IdListField(required=False)
    comment = forms.CharField(label=_("Comment for all"), required=False, max_length=500)

    def clean(self):
        data = super().clean()
        if not self.errors and not any(data.get(kind) for kind in ("adjustment", "leave", "overtime")):
            raise forms.ValidationError(_("Select at least one request to approve."))
        return data


class OvertimeForm(IdempotentForm):
    """Ask for overtime on a day: how many minutes, and why (the service checks the day and the lock)."""

    id_format = "overtime_%s"

    work_date = SupportedDateFormField(label=_("Date"), widget=DATE_INPUT)
    minutes = forms.IntegerField(label=_("Minutes of overtime"), min_value=1, max_value=1440)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "work_date": data["work_date"],
            "minutes": data["minutes"],
            "reason": data["reason"],
            "idempotency_key": data["idempotency_key"],
        }
