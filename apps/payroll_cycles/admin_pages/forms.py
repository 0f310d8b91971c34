"""The payroll pages' forms. They check what a person can get wrong before a service sees it; a service's
refusal is then put on the field it names (`add_refusal`), in words (labels.refusal_message)."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.errors import DomainError
from apps.core.params import SupportedDateFormField
from apps.core.timezones import selectable_timezones
from apps.payroll_cycles import labels
from apps.payroll_cycles.models import PayrollTemplate
from apps.payroll_cycles.services.cycles import MAX_GENERATE


def new_key() -> str:
    """A key per rendered form: sending the same form twice replays the first answer (the services'
    idempotency) instead of doing the work twice."""
    return uuid.uuid4().hex


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def add_refusal(form: forms.Form, error: DomainError, *, fields: dict[str, str] | None = None) -> None:
    """Put a service's refusal on the form: on the field it names when the form has it (`fields` maps the
    service's names to the form's), else at the top."""
    named = list((error.details.get("fields") or {}).keys())
    mapping = fields or {}
    target = next((mapping.get(name, name) for name in named if mapping.get(name, name) in form.fields), None)
    form.add_error(target, labels.refusal_message(error))


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Periods"), choices=())
    start_day = forms.IntegerField(
        label=_("First day"),
        min_value=1,
        max_value=31,
        initial=1,
        help_text=_("Day of the month; a day past a short month's end is its last day."),
    )
    end_day = forms.IntegerField(label=_("Last day"), min_value=1, max_value=31, initial=31)
    end_month_offset = forms.TypedChoiceField(
        label=_("The last day is in"),
        coerce=int,
        choices=(),
        initial=0,
        help_text=_("A last day before the first day is always in the next month (26th to 25th)."),
    )
    anchor_date = SupportedDateFormField(
        label=_("Weekly periods start on"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "Weekly and every-two-weeks periods only: periods start on this date every 7 or 14 days."
        ),
    )
    timezone = forms.ChoiceField(label=_("Timezone"), choices=())
    auto_generate = forms.BooleanField(
        label=_("Keep this period and the next three created automatically"), required=False
    )
    is_default = forms.BooleanField(label=_("The default template"), required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, labels.TEMPLATE_KIND[k]) for k in PayrollTemplate.Kind.values]
        self.fields["end_month_offset"].choices = [(0, _("the same month")), (1, _("the next month"))]
        self.fields["timezone"].choices = [(z, z) for z in selectable_timezones()]
        self.fields["timezone"].initial = organization.timezone

    def clean(self):
        data = super().clean()
        if data.get("kind") in ("weekly", "biweekly") and not data.get("anchor_date"):
            self.add_error("anchor_date", _("Weekly periods need the date one of them starts on."))
        return data

    def values(self) -> dict:
        return dict(self.cleaned_data)

    @staticmethod
    def initial_of(template: PayrollTemplate) -> dict:
        return {
            field: getattr(template, field)
            for field in (
                "name",
                "kind",
                "start_day",
                "end_day",
                "end_month_offset",
                "anchor_date",
                "timezone",
                "auto_generate",
                "is_default",
            )
        }


class GenerateForm(forms.Form):
    template = forms.ModelChoiceField(label=_("Template"), queryset=PayrollTemplate.objects.none())
    anchor_date = SupportedDateFormField(
        label=_("Start with the period that includes"),
        widget=DateInput(),
    )
    count = forms.IntegerField(label=_("How many periods"), min_value=1, max_value=MAX_GENERATE, initial=3)
    name_prefix = forms.CharField(
        label=_("Name them (optional)"),
        max_length=100,
        required=False,
        help_text=_("Cycles are named by this and their dates; the template's name when left empty."),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=128, required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        templates = PayrollTemplate.objects.for_org(organization).order_by("name")
        self.fields["template"].queryset = templates
        default = next((t for t in templates if t.is_default), None)
        if default is not None:
            self.fields["template"].initial = default.pk
        self.fields["anchor_date"].initial = timezone.localdate(timezone.now(), organization.tzinfo)
        self.fields["idempotency_key"].initial = new_key()


class CycleForm(forms.Form):
    """A cycle by hand: its name and dates."""

    name = forms.CharField(label=_("Name (optional)"), max_length=200, required=False)
    start_date = SupportedDateFormField(label=_("First day"), widget=DateInput())
    end_date = SupportedDateFormField(label=_("Last day"), widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", _("The last day is before the first day."))
        return data


class StatusFilter(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), *labels.CYCLE_STATUS.items()]

    def wanted(self) -> str | None:
        if self.is_valid():
            return self.cleaned_data["status"] or None
        return None
