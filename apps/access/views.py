"""Pages of the access app: choosing a password from an invitation link."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from apps.access.hooks import record_operation
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
