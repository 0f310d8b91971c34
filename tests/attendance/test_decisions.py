"""Every kind of request is decided through one path: each concrete decidable request has its rules
registered, so approve / reject / cancel, the API's decision views and the inbox work for it."""

from django.apps import apps

from apps.attendance.models import DecidableRequest
from apps.attendance.services import decisions


def test_every_decidable_request_kind_has_decision_rules():
    kinds = [m for m in apps.get_models() if issubclass(m, DecidableRequest)]
    assert kinds, "no decidable request model found"
    missing = [m.__name__ for m in kinds if m not in decisions._rules]
    assert not missing, f"register DecisionRules for {missing} (apps/attendance/services/decisions.py)"


def test_the_decision_endpoints_of_every_kind_are_one_view():
    from apps.attendance.api import views
    from apps.attendance.api.views.request_kinds import DecisionView

    decision_views = [
        views.AdjustmentApproveView, views.AdjustmentRejectView, views.AdjustmentCancelView,
        views.LeaveApproveView, views.LeaveRejectView, views.LeaveCancelView,
        views.OvertimeApproveView, views.OvertimeRejectView, views.OvertimeCancelView,
    ]  # fmt: skip
    assert {v.__mro__[1] for v in decision_views} == {DecisionView}
    assert len({v.post for v in decision_views}) == len(decision_views)  # each its own OpenAPI operation


def test_the_list_and_detail_endpoints_of_every_kind_are_one_view_each():
    from apps.attendance.api import views
    from apps.attendance.api.views.request_kinds import RequestDetailView, RequestListView

    lists = [views.AdjustmentsView, views.LeaveRequestsView, views.OvertimeRequestsView]
    details = [views.AdjustmentDetailView, views.LeaveRequestDetailView, views.OvertimeRequestDetailView]
    assert {v.__mro__[1] for v in lists} == {RequestListView}
    assert {v.__mro__[1] for v in details} == {RequestDetailView}
    assert len({v.get for v in lists} | {v.post for v in lists}) == 2 * len(lists)  # own operations
    assert len({v.kind for v in lists + details}) == len(lists)
