"""`/attendance/notifications/`: the person's notifications (newest first), marking them read, and their
choices (the language of notifications, which kinds to get in the app and by e-mail)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.access import roles
from apps.attendance.models import NotificationKind, NotificationPreference
from apps.attendance.notifications import selectors, services
from apps.attendance.notifications.text import KIND_LABELS, words
from apps.attendance.views._common import member_with
from apps.core.errors import DomainError

CHANNELS = (
    ("app", gettext_lazy("In the app and by e-mail")),
    ("app_only", gettext_lazy("In the app only")),
    ("off", gettext_lazy("Off")),
)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language of my notifications"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("The organization's default")), *settings.LANGUAGES]
        for kind in NotificationKind.values:
            self.fields[kind] = forms.ChoiceField(label=KIND_LABELS[kind], choices=CHANNELS, initial="app")


def _initial(preference: NotificationPreference | None) -> dict:
    if preference is None:
        return {}
    initial = {"language": preference.language}
    for kind in NotificationKind.values:
        initial[kind] = (
            "off" if kind in preference.muted else "app_only" if kind in preference.no_email else "app"
        )
    return initial


@require_http_methods(["GET", "POST"])
@login_required
def notifications_page(request: HttpRequest) -> HttpResponse:
    member = member_with(request, roles.READ)
    preference = NotificationPreference.objects.filter(member=member).first()
    form = PreferencesForm(request.POST or None, initial=_initial(preference))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.notification_preferences_update(
                member=member,
                language=data["language"],
                muted=[k for k in NotificationKind.values if data[k] == "off"],
                no_email=[k for k in NotificationKind.values if data[k] == "app_only"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your notification choices are saved."))
            return redirect("attendance:notifications")
    page = Paginator(selectors.notifications_for(member=member), 30).get_page(request.GET.get("page"))
    rows = [{"notification": n, "words": words(n)} for n in page]
    context = {
        "page": page,
        "rows": rows,
        "unread": selectors.unread_count(member=member),
        "form": form,
        "org_tz": member.organization.tzinfo,
    }
    return render(request, "attendance/notifications.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def notifications_read(request: HttpRequest) -> HttpResponse:
    member = member_with(request, roles.READ)
    ids = [int(v) for v in request.POST.getlist("id") if v.isascii() and v.isdigit() and len(v) < 19]
    marked = services.notifications_mark_read(member=member, ids=ids, everything=not ids)
    if marked:
        messages.success(request, _("Marked as read."))
    return redirect("attendance:notifications")
