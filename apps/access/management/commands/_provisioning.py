"""What provision_user and provision_batch share: the organization, the acting admin, the log label."""

from contextlib import contextmanager
from dataclasses import replace

from django.core.management.base import CommandError

from apps.access.models import Membership, Organization
from apps.core import request_context


def organization_and_actor(slug: str, actor_username: str):
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise CommandError(f"ORGANIZATION_NOT_FOUND: no organization {slug!r}.")
    actor = None
    if actor_username:
        actor = Membership.objects.for_org(organization).filter(user__username=actor_username).first()
        if actor is None:
            raise CommandError(f"USER_NOT_FOUND: {actor_username!r} is not a member of {slug!r}.")
    return organization, actor


@contextmanager
def command_context(command: str):
    """Entries written without --actor name the command (`cli:provision_batch`) as who did it."""
    token = request_context.set_current(replace(request_context.current(), username=f"cli:{command}"))
    try:
        yield
    finally:
        request_context.reset(token)
