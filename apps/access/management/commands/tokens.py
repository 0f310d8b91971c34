"""API tokens for integrators.

    manage.py tokens create --user alice [--expires-days 90] [--org acme] [--name "payroll sync"]
    manage.py tokens list [--user alice]
    manage.py tokens revoke <id or prefix>
    manage.py tokens purge [--older-than-days 30]   (also daily from Celery beat)

`create` prints the raw token alone on stdout (so `TOKEN=$(manage.py tokens create ...)` works); it is
shown only this once and stored hashed.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.access.models import Organization
from apps.access.selectors import tokens_for_user
from apps.access.services import token_create, token_revoke, tokens_purge
from apps.core.errors import DomainError


class Command(BaseCommand):
    help = "Create, list and revoke API tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Issue a token and print it once.")
        create.add_argument("--user", required=True)
        create.add_argument("--expires-days", type=int, default=None)
        create.add_argument("--org", default="", help="Bind the token to one organization (slug).")
        create.add_argument("--name", default="")
        listing = sub.add_parser("list", help="List tokens (never the raw values).")
        listing.add_argument("--user", default="")
        revoke = sub.add_parser("revoke", help="Revoke a token by id or prefix.")
        revoke.add_argument("token", help="The token's id, or its prefix as `tokens list` shows it.")
        purge = sub.add_parser("purge", help="Delete tokens revoked or expired more than N days ago.")
        purge.add_argument("--older-than-days", type=int, default=None)

    def handle(self, *args, **options):
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None

    @staticmethod
    def _user(username: str):
        try:
            return get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"USER_NOT_FOUND: no user named {username!r}.") from None

    def _create(self, options):
        user = self._user(options["user"])
        organization = None
        if options["org"]:
            organization = Organization.objects.filter(slug=options["org"]).first()
            if organization is None or not user.memberships.filter(organization=organization).exists():
                raise CommandError(f"ORGANIZATION_NOT_FOUND: {user} is not a member of {options['org']!r}.")
        issued = token_create(
            user=user, organization=organization, name=options["name"], expires_days=options["expires_days"]
        )
        self.stdout.write(issued.raw)

    def _list(self, options):
        from apps.access.models import ApiToken

        tokens = (
            tokens_for_user(user=self._user(options["user"])) if options["user"] else ApiToken.objects.all()
        )
        self.stdout.write(f"{'id':>5}  {'prefix':<10} {'user':<20} {'status':<8} {'expires':<25} last used")
        for token in tokens.select_related("user"):
            self.stdout.write(
                f"{token.pk:>5}  {token.prefix:<10} {token.user.get_username():<20} {token.status:<8} "
                f"{token.expires_at.isoformat() if token.expires_at else 'never':<25} "
                f"{token.last_used_at.isoformat() if token.last_used_at else '-'}"
            )

    def _revoke(self, options):
        value = options["token"]
        token = token_revoke(token_id=int(value)) if value.isdigit() else token_revoke(prefix=value)
        self.stdout.write(f"Revoked token {token.pk} ({token.prefix}) of {token.user.get_username()}.")

    def _purge(self, options):
        days = options["older_than_days"]
        if days is None:
            days = settings.API_TOKEN_PURGE_AFTER_DAYS
        self.stdout.write(
            f"Deleted {tokens_purge(older_than_days=days)} token(s) dead for more than {days} days."
        )
