"""Seal the operation log's unsealed entries (docs/audit.md, "Sealing").

    manage.py audit_seal [--watch] [--interval 1.0] [--for SECONDS]

Once: seals what is committed and unsealed, prints the count per chain. With --watch it keeps sealing every
--interval seconds until SIGTERM / Ctrl-C (or --for seconds): a sealer process for hosts without Celery
beat. The beat task `audit.seal` does the same work; any number of sealers may run at once.
"""

import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from apps.audit.chain import audit_seal_pending


class Command(BaseCommand):
    help = "Seal unsealed operation-log entries into their hash chains (once, or --watch)."

    def add_arguments(self, parser):
        parser.add_argument("--watch", action="store_true", help="Keep sealing until stopped.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between rounds (--watch).")
        parser.add_argument("--for", dest="duration", type=float, default=0.0, help="Stop after this long.")

    def handle(self, *args, **options):
        if options["interval"] <= 0:
            raise CommandError("VALIDATION_ERROR: --interval must be more than 0.")
        if not options["watch"]:
            self._report(audit_seal_pending())
            return
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        deadline = time.monotonic() + options["duration"] if options["duration"] else None
        total = 0
        try:
            while not stopping and (deadline is None or time.monotonic() < deadline):
                started = time.monotonic()
                total += sum(audit_seal_pending().values())
                close_old_connections()
                time.sleep(max(0.0, options["interval"] - (time.monotonic() - started)))
        except KeyboardInterrupt:
            pass
        # What the last round left behind (a writer that committed just now) is sealed before leaving.
        total += sum(audit_seal_pending().values())
        self.stdout.write(f"Sealed {total} entries.")

    def _report(self, sealed: dict[str, int]) -> None:
        for chain, count in sealed.items():
            self.stdout.write(f"{chain}: sealed {count}")
        self.stdout.write(f"Sealed {sum(sealed.values())} entries.")
