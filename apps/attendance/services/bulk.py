"""Deciding many requests at once (the approver inbox). Each request is decided in its own transaction,
so one that cannot be approved (decided meanwhile, a locked period, no balance) does not block the rest."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from apps.access.models import Membership
from apps.attendance.models import AdjustmentRequest, LeaveRequest, OvertimeRequest
from apps.attendance.services.decisions import request_decide
from apps.core.errors import DomainError


@dataclass(frozen=True)
class BulkItemResult:
    request_type: str  # "adjustment" | "leave" | "overtime"
    id: int
    ok: bool
    code: str = ""
    message: str = ""


def requests_bulk_approve(
    *,
    approver: Membership,
    adjustment_ids: list[int] = (),
    leave_ids: list[int] = (),
    overtime_ids: list[int] = (),
    comment: str = "",
) -> list[BulkItemResult]:
    """Approve each listed request the approver may decide; unknown or foreign ids report NOT_FOUND."""
    results: list[BulkItemResult] = []
    for request_type, model, ids in (
        ("adjustment", AdjustmentRequest, adjustment_ids),
        ("leave", LeaveRequest, leave_ids),
        ("overtime", OvertimeRequest, overtime_ids),
    ):
        found = {
            r.pk: r
            for r in model.objects.for_org(approver.organization)
            .select_related("member__organization")
            .filter(pk__in=list(ids))
        }
        for pk in dict.fromkeys(ids):
            request = found.get(pk)
            if request is None:
                results.append(BulkItemResult(request_type, pk, False, "NOT_FOUND", _("No such request.")))
                continue
            try:
                request_decide(request=request, approver=approver, verb="approve", comment=comment)
            except DomainError as error:
                results.append(BulkItemResult(request_type, pk, False, error.code, error.message))
            else:
                results.append(BulkItemResult(request_type, pk, True))
    return results
