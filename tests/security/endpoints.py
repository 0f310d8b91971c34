"""The API's endpoints, read from the URL conf, and the objects their path parameters name.

Shared by the permission matrix (tests/security/test_permission_matrix.py) and the audit walker
(tests/audit/test_every_write_is_audited.py). New endpoints appear here by themselves; a path parameter
nobody knows how to fill fails with a message naming the route.
"""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from apps.access import roles
from tests import factories

ROLES = ("anonymous", "employee", "approver", "importer", "admin", "outsider")
SKIPPED_METHODS = {"OPTIONS", "HEAD", "TRACE"}


@dataclass(frozen=True)
class Endpoint:
    name: str
    route: str
    method: str
    params: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.name, self.method)

    def __str__(self) -> str:
        return f"{self.method} /{self.route} ({self.name})"


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _methods(callback) -> list[str]:
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return ["GET"]  # a function view: it answers GET at least
    names = getattr(view_class, "http_method_names", [])
    return [
        name.upper() for name in names if hasattr(view_class, name) and name.upper() not in SKIPPED_METHODS
    ]


def api_endpoints() -> list[Endpoint]:
    endpoints = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if not route.startswith("api/") or pattern.name is None:  # the unnamed catch-all 404
            continue
        params = tuple(pattern.pattern.converters)
        endpoints.extend(
            Endpoint(pattern.name, route, method, params) for method in _methods(pattern.callback)
        )
    return sorted(endpoints, key=lambda e: (e.route, e.method))


@dataclass
class World:
    """Two organizations: acme, where the roles live, and globex, where the outsider is an admin."""

    org: object
    other_org: object
    members: dict

    def member(self, role: str):
        return self.members[role]


def build_world(org, other_org, make_member) -> World:
    approver = make_member("approver", roles.APPROVER)
    members = {
        "employee": make_member("emma", roles.EMPLOYEE, manager=approver),
        "approver": approver,
        "importer": make_member("importer", roles.IMPORTER),
        "admin": make_member("boss", roles.ADMIN),
        "outsider": make_member("gus", roles.ADMIN, organization=other_org),
        # Owner of the objects that path parameters name (someone else's, from the callers' view).
        "owner": make_member(
            "olga-acme-private", roles.EMPLOYEE, manager=approver, employee_no="ACME-SECRET-7"
        ),
    }
    return World(org, other_org, members)


def _adjustment(world: World, organization, member):
    return factories.AdjustmentRequestFactory(organization=organization, member=member)


def _leave_request(world: World, organization, member):
    return factories.LeaveRequestFactory(organization=organization, member=member)


def _overtime_request(world: World, organization, member):
    return factories.OvertimeRequestFactory(organization=organization, member=member)


def _import_batch(world: World, organization, member):
    return factories.ImportBatchFactory(organization=organization)


def _import_job(world: World, organization, member):
    return factories.ImportJobFactory(organization=organization)


def _webhook(world: World, organization, member):
    return factories.WebhookEndpointFactory(
        organization=organization,
        url="http://127.0.0.1:9/hook",
        events=["member.created"],
        secret="whsec_test",
    )


def _dead_delivery(world: World, organization, member):
    event = factories.OutboxEventFactory(organization=organization, type="member.created", subject="member:1")
    return factories.WebhookDeliveryFactory(
        organization=organization,
        endpoint=_webhook(world, organization, member),
        event=event,
        subject=event.subject,
        sequence=event.pk,
        status="dead",
        attempts=8,
        next_attempt_at="2026-03-01T00:00:00Z",
    )


def _payroll_cycle(world: World, organization, member):
    return factories.PayrollCycleFactory(organization=organization)


def _payroll_template(world: World, organization, member):
    return factories.PayrollTemplateFactory(organization=organization)


def _summary_job(world: World, organization, member):
    # The job of the cycle the route's <pk> just named (path parameters are filled in order).
    from apps.payroll_cycles.models import PayrollCycle

    cycle = PayrollCycle.objects.filter(organization=organization).order_by("-pk").first()
    return factories.SummaryJobFactory(organization=organization, cycle=cycle)


class _Token:
    def __init__(self, token: str):
        self.pk = token


def _calendar_feed(world: World, organization, member):
    """A feed address is its own credential (no organization in the request): acme's is the admin's
    holiday feed (no personal data in it); the other organization's is a rotated-away one, so 404."""
    from apps.attendance.services import feeds

    admin = world.member("admin") if organization == world.org else world.member("outsider")
    feed = feeds.calendar_feed_get(member=admin, kind="holidays")
    token = feeds.feed_token(feed)
    if organization != world.org:
        feeds.calendar_feed_rotate(member=admin, kind="holidays")
    return _Token(token)


# Route-name prefix -> (path parameter, maker of the object in an organization for a member).
OBJECT_MAKERS = {
    "admin-user-": ("user_id", lambda world, organization, member: member.user),
    "attendance-adjustment": ("pk", _adjustment),
    "attendance-leave-": ("pk", _leave_request),
    "attendance-overtime-": ("pk", _overtime_request),
    "attendance-calendar-feed-ics": ("token", _calendar_feed),
    "import-batch": ("batch_id", _import_batch),
    "admin-webhook": ("webhook_id", _webhook),
    "admin-webhook-delivery": ("delivery_id", _dead_delivery),
    "import-job": ("job_id", _import_job),
    "payroll-cycle-summary-job": ("job_id", _summary_job),
    "payroll-cycle": ("pk", _payroll_cycle),
    "payroll-template": ("pk", _payroll_template),
}


def path_for(endpoint: Endpoint, world: World, *, organization=None, member=None) -> str:
    """The endpoint's path with each parameter naming an object of `organization` (acme by default)."""
    organization = organization or world.org
    member = member or (world.member("owner") if organization == world.org else world.member("outsider"))
    kwargs = {}
    for param in endpoint.params:
        maker = next(
            (
                found
                for prefix, found in OBJECT_MAKERS.items()
                if endpoint.name.startswith(prefix) and found[0] == param
            ),
            None,
        )
        if maker is None:
            raise LookupError(
                f"add an object maker for the path parameter {param!r} of {endpoint} to OBJECT_MAKERS in "
                "tests/security/endpoints.py"
            )
        kwargs[param] = maker[1](world, organization, member).pk
    return "/" + _fill(endpoint.route, kwargs)


def _fill(route: str, kwargs: dict) -> str:
    import re

    return re.sub(r"<(?:\w+:)?(\w+)>", lambda match: str(kwargs[match.group(1)]), route)
