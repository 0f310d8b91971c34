"""Who may open an Admin Center page: the one guard every section's views use."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import redirect

from apps.access import roles


def admin_page(view):
    """Let active admins in (the view gets their membership after the request); send importers who open a
    page to the Import Center; refuse anyone else (403 page)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        membership = getattr(request, "membership", None)
        if membership and membership.can(roles.ADMINISTER):
            return view(request, membership, *args, **kwargs)
        if membership and membership.can(roles.IMPORT) and request.method == "GET":
            return redirect("imports:center")
        raise PermissionDenied

    return wrapped
