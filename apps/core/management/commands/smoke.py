"""A quick end-to-end look at a running deployment: /healthz and /readyz through the full middleware
stack (in-process), and a task's round trip through the broker to a worker and back.

    manage.py smoke [--through-broker] [--queue celery] [--timeout 30]

With eager Celery (development, tests) the task runs in-process unless --through-broker is given; then,
as in production, a worker must be consuming the queue.
"""

import uuid
import warnings

from celery import current_app as app
from celery.exceptions import AlwaysEagerIgnored
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from apps.core.tasks import diagnostics_ping


class Command(BaseCommand):
    help = "Request /healthz and /readyz in-process and send a task through the broker to a worker."

    def add_arguments(self, parser):
        parser.add_argument("--through-broker", action="store_true", help="Send the task even when eager.")
        parser.add_argument(
            "--queue",
            default=settings.CELERY_TASK_DEFAULT_QUEUE,
            help="The queue a worker consumes (default: CELERY_TASK_DEFAULT_QUEUE, celery).",
        )
        parser.add_argument("--timeout", type=float, default=30.0, help="Seconds to wait for the task.")

    def handle(self, *args, **options):
        failures = [name for name, ok in (*self._probes(), self._task_round_trip(options)) if not ok]
        if failures:
            raise CommandError(f"Smoke test failed: {', '.join(failures)}.")
        self.stdout.write(self.style.SUCCESS("Smoke test passed."))

    def _probes(self):
        host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if "*" not in h), "localhost")
        # From loopback, as the proxy would ask; TLS is declared so production does not redirect.
        client = Client(REMOTE_ADDR="127.0.0.1", HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
        for path in ("/healthz", "/readyz"):
            response = client.get(path, secure=settings.IS_PRODUCTION)
            ok = response.status_code == 200
            self._report(path, ok, f"{response.status_code} {response.content.decode()[:200]}")
            yield path, ok

    def _task_round_trip(self, options) -> tuple[str, bool]:
        payload = uuid.uuid4().hex
        eager = settings.CELERY_TASK_ALWAYS_EAGER and not options["through_broker"]
        try:
            if eager:
                result = diagnostics_ping.apply(args=[payload])
                answer = result.get(timeout=options["timeout"])
            else:
                with warnings.catch_warnings():
                    # Celery warns that eager mode is bypassed (send_task) and that eager results are not
                    # stored: going through the broker despite eager settings is the point of --through-broker.
                    warnings.simplefilter("ignore", AlwaysEagerIgnored)
                    warnings.filterwarnings("ignore", "Results are not stored in backend", RuntimeWarning)
                    result = app.send_task(diagnostics_ping.name, args=[payload], queue=options["queue"])
                    answer = result.get(timeout=options["timeout"])
        except Exception as error:  # a timeout, a broker or backend failure: all mean "no round trip"
            self._report("task", False, f"{type(error).__name__}: {error}")
            return "task", False
        ok = answer.get("pong") == payload
        how = (
            "eager, in-process" if eager else f"via queue {options['queue']!r}, worker {answer.get('worker')}"
        )
        self._report("task", ok, f"round trip {how}")
        return "task", ok

    def _report(self, name: str, ok: bool, detail: str) -> None:
        style = self.style.SUCCESS if ok else self.style.ERROR
        self.stdout.write(f"{name:<9} {style('ok' if ok else 'FAILED')}  {detail}")
