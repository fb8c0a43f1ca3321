"""12345 hotline tickets: intake, dispatch, sign-for, reply, return visit (a rating), closure;
deadlines by category from the latest dispatch; returns and reassignments."""

from __future__ import annotations

import pytest
from django.utils import timezone

from onething.core.errors import Conflict, NotAllowed, NotFound, ServiceError
from onething.core.models import AuditEntry, Region
from onething.core.settings_service import change_setting
from onething.evaluation.models import Rating, Ticket, TicketEvent
from onething.evaluation.selectors import Reader, ticket_queue
from onething.evaluation.services import hotline

from .conftest import RATED_ON, D, at, ticket

pytestmark = pytest.mark.django_db
T = Ticket.State


def act(t, action, user, day=None, **data):
    return hotline.perform(
        ticket_id=t.pk, action=action, actor=user, data=data, now=at(day) if day else None
    )


def test_intake_numbers_the_ticket_and_dispatches_it(users):
    t = ticket(users)
    assert t.number.startswith("RX2026-") and len(t.number) == len("RX2026-0000001")
    assert t.state == T.DISPATCHED and t.department.code == "SCJG"
    assert t.dispatched_at == at(RATED_ON)
    assert list(t.events.values_list("action", flat=True)) == ["intake", "dispatch"]
    assert AuditEntry.objects.filter(action="evaluation.ticket.create").exists()
    second = ticket(users)
    assert int(second.number[-7:]) == int(t.number[-7:]) + 1


def test_intake_without_a_unit_waits_at_the_bureau_and_lists_every_problem(users):
    t = ticket(users, department="")
    assert t.state == T.RECEIVED and t.dispatched_at is None
    with pytest.raises(ServiceError) as raised:
        hotline.intake_ticket(actor=users["supervisor"], channel="fax", caller_phone="12",
                              category="praise", text="")  # fmt: skip
    assert set(raised.value.fields) == {"channel", "caller_phone", "category", "text"}
    with pytest.raises(NotAllowed):
        ticket({"supervisor": users["reviewer"]})


@pytest.mark.parametrize(
    ("category", "reply_due"),
    [
        ("consultation", D(2026, 10, 9)),
        ("help", D(2026, 10, 13)),
        ("complaint", D(2026, 10, 13)),
        ("suggestion", D(2026, 10, 20)),
    ],
)
def test_reply_limits_by_category_from_the_district_settings(users, category, reply_due):
    found = Reader(today=RATED_ON).ticket(ticket(users, category=category))
    assert found.deadlines.sign_due == D(2026, 10, 8)
    assert found.deadlines.reply_due == reply_due


def test_a_settings_change_applies_to_tickets_dispatched_after_it(users):
    old = ticket(users, category="complaint")
    change_setting(actor=users["supervisor"], key="hotline.reply_complaint_days", value=3,
                   source="测试依据")  # fmt: skip
    new = ticket(users, category="complaint", now=timezone.now())
    reader = Reader(today=RATED_ON)
    assert reader.ticket_limits(old) == (1, 5)
    assert reader.ticket_limits(new) == (1, 3)


def test_the_whole_life_of_a_ticket(users):
    reviewer, bureau = users["reviewer"], users["supervisor"]
    t = ticket(users, category="help")
    assert Reader(today=RATED_ON).ticket(t).warning == "yellow"
    t = act(t, "sign", reviewer, D(2026, 10, 8))
    status = Reader(today=D(2026, 10, 8)).ticket(t)
    assert status.deadlines.signed_on_time is True and status.deadlines.step == "答复"
    t = act(t, "reply", reviewer, D(2026, 10, 13), reply="已电话指导填报")
    assert t.state == T.REPLIED
    assert Reader(today=D(2026, 10, 13)).ticket(t).deadlines.replied_on_time is True
    with pytest.raises(ServiceError):
        act(t, "visit", bureau, visit_result="不满意", level=2)  # a negative needs reasons
    t = act(t, "visit", bureau, D(2026, 10, 14), visit_result="市民表示满意", level=5)
    assert t.state == T.VISITED and t.satisfaction == 5
    rating = Rating.objects.get(ticket=t)
    assert rating.subject == "ticket" and rating.channel == "hotline"
    assert rating.department.code == "SCJG" and rating.rater_phone == "13907310001"
    t = act(t, "close", bureau, D(2026, 10, 14))
    assert t.state == T.CLOSED
    assert Reader(today=D(2026, 10, 14)).ticket(t).warning == "done"
    actions = list(t.events.values_list("action", flat=True))
    assert actions == ["intake", "dispatch", "sign", "reply", "visit", "close"]


def test_a_negative_return_visit_opens_the_units_handling(users):
    t = ticket(users)
    act(t, "sign", users["reviewer"])
    act(t, "reply", users["reviewer"], reply="已答复")
    act(t, "visit", users["supervisor"], visit_result="答复敷衍", level=1, reasons=["attitude"])
    rating = Rating.objects.get(ticket=t)
    assert rating.handling.state == "verifying" and rating.real_name


def test_the_unit_returns_a_ticket_and_the_new_dispatch_restarts_the_clocks(users):
    t = ticket(users, category="consultation")
    t = act(t, "sign", users["reviewer"], D(2026, 10, 8))
    with pytest.raises(ServiceError) as raised:
        act(t, "return", users["reviewer"])
    assert "reason" in raised.value.fields
    t = act(t, "return", users["reviewer"], D(2026, 10, 8), reason="属于街道职责")
    assert t.state == T.RECEIVED and t.department is None and t.reassignments == 1
    assert not Ticket.objects.visible_to(users["reviewer"]).filter(pk=t.pk).exists()
    gtl = Region.objects.get(name="高塘岭街道", level="town", valid_to__isnull=True)
    t = act(t, "dispatch", users["supervisor"], D(2026, 10, 9), town=gtl.code)
    found = Reader(today=D(2026, 10, 9)).ticket(t).deadlines
    assert (found.sign_due, found.reply_due) == (D(2026, 10, 10), D(2026, 10, 12))
    assert t.signed_at is None
    assert TicketEvent.objects.filter(ticket=t, action="return", message__contains="属于街道职责")


def test_the_bureau_reassigns_to_another_unit_with_a_reason(users):
    t = ticket(users)
    t = act(t, "sign", users["reviewer"], D(2026, 9, 30))
    with pytest.raises(ServiceError) as raised:
        act(t, "reassign", users["supervisor"], department="SCJG", reason="x")
    assert "另一个单位" in raised.value.fields["unit"]
    t = act(t, "reassign", users["supervisor"], D(2026, 10, 9), department="GA", reason="涉及户籍")
    assert t.department.code == "GA" and t.reassignments == 1 and t.state == T.DISPATCHED
    assert Reader(today=D(2026, 10, 9)).ticket(t).deadlines.sign_due == D(2026, 10, 10)
    event = t.events.get(action="reassign")
    assert "改派至区公安分局" in event.message or "改派至" in event.message


def test_who_may_do_what(users):
    t = ticket(users)
    with pytest.raises(NotAllowed):
        act(t, "sign", users["supervisor"])
    with pytest.raises(NotFound):
        act(t, "sign", users["town-clerk"])
    with pytest.raises(NotAllowed):
        act(t, "reassign", users["reviewer"], department="GA", reason="x")
    with pytest.raises(ServiceError) as raised:
        act(t, "reply", users["reviewer"], reply="先答复")
    assert raised.value.code == "action_not_allowed" and "签收" in raised.value.message


def test_two_signing_on_one_version_one_wins(users):
    t = ticket(users)
    seen = t.version
    hotline.perform(ticket_id=t.pk, action="sign", actor=users["reviewer"], expected_version=seen)
    with pytest.raises(Conflict):
        hotline.perform(ticket_id=t.pk, action="return", actor=users["dept-admin"],
                        data={"reason": "x"}, expected_version=seen)  # fmt: skip


def test_the_queue_puts_overdue_first_and_filters(users):
    late = ticket(users, now=at(D(2026, 9, 1)))
    fresh = ticket(users, now=timezone.now())
    rows = ticket_queue(users["reviewer"])
    assert [t.pk for t, _ in rows][:2] == [late.pk, fresh.pk]
    assert [t.pk for t, _ in ticket_queue(users["reviewer"], warning="red")] == [late.pk]
    assert ticket_queue(users["town-clerk"]) == []


def test_revealing_the_callers_phone_is_audited(users):
    t = ticket(users)
    with pytest.raises(NotAllowed):  # the unit, before signing for it
        hotline.reveal_caller_phone(ticket_id=t.pk, actor=users["reviewer"], purpose="答复")
    act(t, "sign", users["reviewer"])
    phone = hotline.reveal_caller_phone(ticket_id=t.pk, actor=users["reviewer"], purpose="答复")
    assert phone == "13907310001"
    assert AuditEntry.objects.get(action="evaluation.ticket.caller_phone").purpose == "答复"
