"""Factories for the tests: small, explicit data."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.access.models import Membership, Organization

PASSWORD = "pw-for-tests-123"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    timezone = "Asia/Shanghai"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    """`MembershipFactory(roles=["attendance_admin"])` gives the membership those roles."""

    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    employee_no = factory.Sequence(lambda n: f"E{n:05d}")
    display_name = factory.LazyAttribute(lambda m: m.user.username.title())

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        if create:
            obj.roles.set(Group.objects.filter(name__in=extracted or ["attendance_employee"]))


class LeaveTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "attendance.LeaveType"

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"leave-{n}")
    name = factory.Sequence(lambda n: f"Leave {n}")


class AdjustmentRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "attendance.AdjustmentRequest"

    member = factory.SubFactory(MembershipFactory)
    organization = factory.SelfAttribute("member.organization")
    kind = "missed_check_in"
    reason = "forgot"
    work_date = "2026-03-02"
    requested_in_at = "2026-03-02T01:00:00Z"


class OvertimeRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "attendance.OvertimeRequest"

    member = factory.SubFactory(MembershipFactory)
    organization = factory.SelfAttribute("member.organization")
    work_date = "2026-03-02"
    minutes = 90
    reason = "release night"


class LeaveRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "attendance.LeaveRequest"

    member = factory.SubFactory(MembershipFactory)
    organization = factory.SelfAttribute("member.organization")
    leave_type = factory.SubFactory(LeaveTypeFactory, organization=factory.SelfAttribute("..organization"))
    start_date = "2026-03-02"
    end_date = "2026-03-02"
    amount = 1


class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "imports.ImportBatch"

    organization = factory.SubFactory(OrganizationFactory)
    fingerprint = factory.Sequence(lambda n: f"{n:064x}")
    created_at = factory.LazyFunction(timezone.now)


class ImportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "imports.ImportJob"

    organization = factory.SubFactory(OrganizationFactory)
    kind = "commit"
    created_at = factory.LazyFunction(timezone.now)


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "audit.WebhookEndpoint"

    organization = factory.SubFactory(OrganizationFactory)
    url = "http://127.0.0.1:9/hook"
    events = factory.LazyFunction(lambda: ["member.created"])
    secret = "whsec_test"


class OutboxEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "audit.OutboxEvent"

    organization = factory.SubFactory(OrganizationFactory)
    type = "member.created"
    subject = "member:1"
    occurred_at = factory.LazyFunction(timezone.now)


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "audit.WebhookDelivery"

    organization = factory.SubFactory(OrganizationFactory)
    endpoint = factory.SubFactory(
        WebhookEndpointFactory, organization=factory.SelfAttribute("..organization")
    )
    event = factory.SubFactory(OutboxEventFactory, organization=factory.SelfAttribute("..organization"))
    subject = factory.SelfAttribute("event.subject")
    sequence = factory.SelfAttribute("event.pk")
    next_attempt_at = factory.LazyFunction(timezone.now)


class PayrollTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "payroll_cycles.PayrollTemplate"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Monthly {n}")
    timezone = "Asia/Shanghai"
    start_day = 1
    end_day = 31


class PayrollCycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "payroll_cycles.PayrollCycle"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Cycle {n}")
    # One month each, never overlapping: January of a year of its own.
    start_date = factory.Sequence(lambda n: datetime.date(2030 + n, 1, 1))
    end_date = factory.LazyAttribute(lambda c: c.start_date.replace(day=31))


class SummaryJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "payroll_cycles.SummaryJob"

    organization = factory.SubFactory(OrganizationFactory)
    cycle = factory.SubFactory(PayrollCycleFactory, organization=factory.SelfAttribute("..organization"))
