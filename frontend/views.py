"""Pages of the base layout that belong to no app: the organization switch."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.access.services import active_organization_switch
from apps.core.errors import DomainError


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else "/"


@require_POST
@login_required
def switch_organization(request: HttpRequest) -> HttpResponseRedirect:
    try:
        membership = active_organization_switch(
            session=request.session, user=request.user, slug=request.POST.get("organization", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("You are now working in %(organization)s.") % {"organization": membership.organization.name},
        )
    return HttpResponseRedirect(_safe_next(request))
