"""Is this deployment ready to serve? Checks the configuration (Django's system checks, with the deploy
checks in production), then what /readyz checks: database, migrations, cache and broker when configured.

    manage.py preflight     # prints one line per check; exits non-zero naming each failure

Run it in the deploy step before the new code takes traffic, and after changing the environment.
"""

from django.conf import settings
from django.core import checks
from django.core.management.base import BaseCommand, CommandError

from apps.core.health import run_checks


class Command(BaseCommand):
    help = "Check configuration, database, migrations, cache and broker; exit non-zero naming failures."
    requires_system_checks: list = []  # it runs them itself and reports them as one line

    def handle(self, *args, **options):
        results = {"configuration": self._configuration()} | run_checks()
        width = max(map(len, results))
        for name, outcome in results.items():
            style = self.style.SUCCESS if outcome == "ok" else self.style.ERROR
            self.stdout.write(f"{name:<{width}}  {style(outcome)}")
        failed = [name for name, outcome in results.items() if outcome != "ok"]
        if failed:
            raise CommandError(f"Preflight failed: {', '.join(failed)}.")
        self.stdout.write(self.style.SUCCESS(f"Preflight passed ({settings.DJANGO_ENV})."))

    @staticmethod
    def _configuration() -> str:
        # In production a deploy warning (an insecure cookie, no HSTS...) is a failure too.
        threshold = checks.WARNING if settings.IS_PRODUCTION else checks.ERROR
        problems = [
            message
            for message in checks.run_checks(include_deployment_checks=settings.IS_PRODUCTION)
            if message.level >= threshold and not message.is_silenced()
        ]
        return "ok" if not problems else "; ".join(f"{m.id}: {m.msg}" for m in problems)
