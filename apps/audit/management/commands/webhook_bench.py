"""How fast the webhook worker empties the outbox (docs/integrations.md, "Figures").

    manage.py webhook_bench [--events 2000] [--workers 4] [--subjects 200] [--output output/perf]

Writes `--events` events into the outbox of a throwaway organization with one endpoint, each in its own
transaction through `event_emit` (as a change writes it), and delivers them to a threaded `http.server` on
loopback that checks every signature, through the real delivery code: `--workers` threads run the Celery
task `audit.webhook_deliver`'s body, fed by the task's own `delay` (queued on commit, and the next of a
subject after each delivery), in place of a broker. Events are spread over `--subjects` members, so order per
subject is kept as in production. The producer and the workers run at the same time (on SQLite, which has
one writer, one after the other in one thread).

Reports the throughput (events delivered per second, first write to last receipt) and the delivery latency
(event written -> received: p50, p95, max) to stdout and `<output>/webhooks.json`; the organization and its
rows are deleted afterwards. Loopback is allowed for this run only (WEBHOOK_ALLOW_PRIVATE_TARGETS).
"""

import json
import os
import queue
import statistics
import threading
import time
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import override_settings

from apps.access.models import Organization
from apps.audit import tasks
from apps.audit.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from apps.audit.webhooks.events import event_emit
from apps.audit.webhooks.signing import SIGNATURE_HEADER, secret_generate, signature_valid

STOP = object()


class _Receiver:
    """Answers 200 to every delivery and notes when each event id arrived and whether its signature held."""

    def __init__(self, secret: str, expected: int):
        self.secret = secret
        self.expected = expected
        self.done = threading.Event()
        self.arrived: dict[str, float] = {}
        self.bad_signatures = 0
        self.duplicates = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.time()
                valid = signature_valid(
                    secret=receiver.secret, header=self.headers.get(SIGNATURE_HEADER, ""), body=body, now=now
                )
                with receiver.lock:
                    if not valid:
                        receiver.bad_signatures += 1
                    event_id = json.loads(body)["id"]
                    if event_id in receiver.arrived:
                        receiver.duplicates += 1
                    else:
                        receiver.arrived[event_id] = now
                    if len(receiver.arrived) >= receiver.expected:
                        receiver.done.set()
                self.send_response(200 if valid else 400)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bench"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


class Command(BaseCommand):
    help = "Measure webhook delivery latency and throughput against a loopback receiver."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=2000)
        parser.add_argument("--workers", type=int, default=4)
        parser.add_argument("--subjects", type=int, default=200, help="Members the events are about.")
        parser.add_argument(
            "--backlog",
            action="store_true",
            help="Write every event first, then start the workers: how fast a backlog drains.",
        )
        parser.add_argument("--output", default=str(settings.BASE_DIR / "output" / "perf"))

    def handle(self, *args, events: int, workers: int, subjects: int, backlog: bool, output: str, **options):
        if not 1 <= events <= 1_000_000 or not 1 <= workers <= 64 or subjects < 1:
            raise CommandError("--events 1..1000000, --workers 1..64, --subjects at least 1")
        concurrent = connection.vendor != "sqlite"
        work: queue.Queue = queue.Queue()
        secret = secret_generate()
        organization = Organization.objects.create(
            name="Webhook bench", slug=f"webhook-bench-{uuid.uuid4().hex[:10]}", timezone="UTC"
        )
        try:
            with (
                _Receiver(secret, events) as receiver,
                override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True),
                _tasks_queued_to(work),
            ):
                WebhookEndpoint.objects.create(
                    organization=organization, url=receiver.url, events=["member.updated"], secret=secret
                )
                figures = self._run(
                    organization, receiver, work, events, workers, subjects, concurrent, backlog
                )
        finally:
            OutboxEvent.objects.filter(organization=organization).delete()  # its deliveries go with it
            organization.delete()
        figures.update(
            {
                "database": connection.vendor,
                "concurrent": concurrent,
                "cpus": os.cpu_count(),
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "measured_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            }
        )
        out = Path(output)
        out.mkdir(parents=True, exist_ok=True)
        (out / "webhooks.json").write_text(json.dumps(figures, indent=2) + "\n")
        self.stdout.write(json.dumps(figures))

    def _run(self, organization, receiver, work, events, workers, subjects, concurrent, backlog) -> dict:
        written: dict[str, datetime] = {}

        def produce():
            for n in range(events):
                with transaction.atomic():
                    event = event_emit(
                        organization=organization,
                        type="member.updated",
                        subject=f"member:{n % subjects}",
                        data={"memberId": n % subjects, "bench": n},
                    )
                written[str(event.event_id)] = event.occurred_at

        def deliver():
            try:
                while (delivery_id := work.get()) is not STOP:
                    tasks.webhook_deliver.run(delivery_id=delivery_id)
            finally:
                connection.close()

        started = write_started = time.time()
        if concurrent:
            threads = [threading.Thread(target=deliver) for _ in range(workers)]
            if backlog:
                produce()
            wrote_at = time.time()
            if backlog:
                started = wrote_at  # the drain is what is timed
            for thread in threads:
                thread.start()
            if not backlog:
                produce()
                wrote_at = time.time()
            receiver.done.wait(timeout=max(60, events / 10))
            for _ in threads:
                work.put(STOP)
            for thread in threads:
                thread.join(30)
        else:
            workers, backlog = 1, True
            produce()
            started = wrote_at = time.time()
            while not work.empty():  # each delivery queues the next of its subject
                tasks.webhook_deliver.run(delivery_id=work.get_nowait())
        arrived = receiver.arrived
        latencies = [
            (arrived[event_id] - occurred.timestamp()) * 1000 for event_id, occurred in written.items() if event_id in arrived
        ]  # fmt: skip
        finished = max(arrived.values(), default=time.time())
        elapsed = max(finished - started, 1e-9)
        counts = dict(
            WebhookDelivery.objects.filter(organization=organization)
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        return {
            "events": events,
            "workers": workers,
            "subjects": subjects,
            "delivered": len(latencies),
            "statuses": counts,
            "bad_signatures": receiver.bad_signatures,
            "duplicates": receiver.duplicates,
            "mode": "backlog" if backlog else "live",
            "write_seconds": round(wrote_at - write_started, 3),
            "duration_seconds": round(elapsed, 3),
            "throughput_events_per_second": round(len(latencies) / elapsed, 1),
            "latency_ms": {
                "p50": round(_percentile(latencies, 0.50), 1),
                "p95": round(_percentile(latencies, 0.95), 1),
                "max": round(max(latencies, default=0.0), 1),
                "mean": round(statistics.fmean(latencies), 1) if latencies else 0.0,
            },
            "timeout_seconds": settings.WEBHOOK_TIMEOUT_SECONDS,
        }


class _tasks_queued_to:
    """`webhook_deliver.delay` puts the delivery id on `work` (the bench's broker) for this run."""

    def __init__(self, work: queue.Queue):
        self.work = work

    def __enter__(self):
        task = tasks.webhook_deliver
        self.saved = task.__dict__.get("delay")
        task.delay = lambda *args, delivery_id, **kwargs: self.work.put(delivery_id)
        return self

    def __exit__(self, *exc):
        task = tasks.webhook_deliver
        if self.saved is None:
            del task.delay
        else:
            task.delay = self.saved
