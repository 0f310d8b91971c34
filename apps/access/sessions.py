"""Which sessions belong to whom, so that they can be ended on deactivation.

Django's session stores are keyed by session id only (the database backend has no user column, the cache
backends cannot be scanned), so we note each key at sign-in (`user_logged_in`) and forget it at sign-out.
Ending a user's sessions deletes each noted key through the configured SESSION_ENGINE, which works for
the database, cache and cached_db backends alike.
"""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import signals
from django.dispatch import receiver
from django.utils import timezone

from apps.access.models import UserSession


@receiver(signals.user_logged_in, dispatch_uid="access_note_session")
def note_session(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is None or not session.session_key:
        return
    UserSession.objects.get_or_create(session_key=session.session_key, defaults={"user": user})
    # Keys of expired sessions are forgotten as the user signs in again, so the table stays small.
    UserSession.objects.filter(
        user=user, created_at__lt=timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    ).delete()


@receiver(signals.user_logged_out, dispatch_uid="access_forget_session")
def forget_session(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        UserSession.objects.filter(session_key=session.session_key).delete()


def end_sessions(*, user, organization=None) -> int:
    """Delete every session `user` signed in with, or with `organization` only those acting in it (the
    organization chosen in the session). Returns how many were ended."""
    from apps.access.selectors import ACTIVE_ORG_SESSION_KEY

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    keys = []
    for key in UserSession.objects.filter(user=user).values_list("session_key", flat=True):
        store = store_class(session_key=key)
        if organization is not None and store.get(ACTIVE_ORG_SESSION_KEY) != organization.slug:
            continue
        store.delete()
        keys.append(key)
    UserSession.objects.filter(user=user, session_key__in=keys).delete()
    return len(keys)
