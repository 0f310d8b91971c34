"""Pages of the access app: choosing a password from an invitation link; accepting or declining an
organization's invitation to an existing account (consent)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.access.hooks import record_operation
from apps.access.provisioning.consent import invitation_accept, invitation_decline, invitation_for
from apps.access.selectors import ACTIVE_ORG_SESSION_KEY
from apps.core.errors import DomainError
from apps.core.ratelimit import rate_limited


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """The invitation link lands here (Django's signed, single-use reset token: it stops working once the
    password is set, and after PASSWORD_RESET_TIMEOUT)."""

    template_name = "access/password_set.html"
    success_url = reverse_lazy("access:password-set-done")

    def form_valid(self, form):
        response = super().form_valid(form)
        record_operation(action="access.user.password_set", actor=form.user, target=form.user)
        return response


class PasswordSetDoneView(auth_views.PasswordResetCompleteView):
    template_name = "access/password_set_done.html"


# Sign-in: django-axes locks a user name at an address after repeated failures; this limit also caps how
# fast one address may try (many user names from one address), with a readable 429 page.
login_view = rate_limited("login", methods=["POST"])(
    auth_views.LoginView.as_view(redirect_authenticated_user=True)
)


@login_required
@require_http_methods(["GET", "POST"])
def invitation(request, token: str):
    """An organization asks to add the signed-in account: accept (it becomes a member) or decline."""
    try:
        membership = invitation_for(token=token, user=request.user)
    except DomainError as error:
        raise Http404(error.message) from error
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "accept":
                membership = invitation_accept(membership=membership, user=request.user)
                request.session[ACTIVE_ORG_SESSION_KEY] = membership.organization.slug
                messages.success(
                    request, _("You are now a member of %(name)s.") % {"name": membership.organization.name}
                )
                return redirect("/")
            invitation_decline(membership=membership, user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("/")
        messages.info(
            request, _("You declined the invitation of %(name)s.") % {"name": membership.organization.name}
        )
        return redirect("/")
    return render(request, "access/invitation.html", {"membership": membership})
