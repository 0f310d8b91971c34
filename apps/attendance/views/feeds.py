"""The employee page's calendar-feed card: the member's feed addresses (personal; team for approvers;
holidays for admins), made on request and replaceable. The API is /api/attendance/calendar-feed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.access import roles
from apps.access.models import Membership
from apps.attendance import selectors
from apps.attendance.models import CalendarFeed
from apps.attendance.services import feeds as services
from apps.attendance.views._common import member_with
from apps.core.errors import DomainError

Kind = CalendarFeed.Kind
LABELS = {
    Kind.PERSONAL: gettext_lazy("My shifts and approved leave"),
    Kind.TEAM: gettext_lazy("My team's approved leave"),
    Kind.HOLIDAYS: gettext_lazy("The organization's holidays"),
}


def feeds_context(request: HttpRequest, member: Membership) -> dict:
    existing = selectors.calendar_feeds_for(member=member)
    rows = []
    for kind, needs in services.NEEDS.items():
        if not member.can(needs):
            continue
        feed = existing.get(kind)
        url = ""
        if feed is not None:
            path = reverse("attendance-calendar-feed-ics", kwargs={"token": services.feed_token(feed)})
            url = request.build_absolute_uri(path)
        rows.append({"kind": kind, "label": LABELS[kind], "url": url, "feed": feed})
    return {"calendar_feeds": rows}


@require_POST
@login_required
def calendar_feed(request: HttpRequest) -> HttpResponse:
    member = member_with(request, roles.READ)
    action = request.POST.get("action")
    try:
        kind = services.feed_kind(request.POST.get("kind"))
        if action == "rotate":
            services.calendar_feed_rotate(member=member, kind=kind)
            messages.success(request, _("The calendar address was replaced; the old one no longer works."))
        else:
            services.calendar_feed_get(member=member, kind=kind)
    except DomainError as error:
        messages.error(request, error.message)
    return HttpResponseRedirect(reverse("attendance:home") + "#calendar-feeds")
