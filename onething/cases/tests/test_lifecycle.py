"""The case lifecycle (workflow.TRANSITIONS) as services.perform carries it out: states, the
timeline, formal notices and their numbers, the audit log, who may do what, and the rules of
行政许可法 第三十二、四十二、四十四条 on correction, deemed acceptance, extension and delivery."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from onething.cases import services
from onething.cases.models import Application, Case, CaseEvent, CaseMaterial, Notice, Upload
from onething.cases.workflow import TRANSITIONS, State
from onething.core.errors import NotAllowed, ServiceError
from onething.core.models import AuditEntry, InboxMessage, Role

from .factories import (
    ANNUAL_REPORT,
    ELDERLY_GAOTANGLING,
    OPEN_INFO,
    RECEIVED,
    RECHECK,
    VACCINATION,
    act,
    make_staff,
    only_case,
    pdf,
    received_on,
    submit,
)

pytestmark = pytest.mark.django_db

D = dt.date
DAY1 = D(2026, 9, 30)  # 1st working day after RECEIVED (Tuesday 9-29)
FIFTH = D(2026, 10, 12)  # 5th working day after RECEIVED (10-01…07 holiday, 10-10 worked)
SIXTH = D(2026, 10, 13)
PICKUP = Application.Delivery.PICKUP
NOTICE_MARK = {
    "acceptance": "受",
    "correction": "补",
    "refusal": "不受",
    "approval": "许",
    "denial": "不许",
    "extension": "延",
    "special": "特",
    "revocation": "撤",
}


@pytest.fixture
def people(users):
    """The demo accounts plus a clerk of 区市场监管局 (the demo has only its reviewers)."""
    return {**users, "scjg-clerk": make_staff("scjg-clerk", Role.CLERK, department="SCJG")}


def _recheck_case(people, delivery=PICKUP) -> Case:
    """A citizen's 食品安全抽检复检申请 (区市场监管局, 3 working days), received 2026-09-29."""
    case = only_case(submit(people["citizen"], code=RECHECK, delivery=delivery))
    received_on(case)
    case.refresh_from_db()
    return case


# Each action once: the steps that bring a case to a state it starts from, who takes it, with
# what, the state it leads to and the notice it issues.
STEPS = {
    "accept": ("scjg-clerk", {}),
    "request-correction": (
        "scjg-clerk",
        {"problems": [{"item": "复检申请书", "problem": "未签字"}]},
    ),
    "review": ("reviewer", {}),
    "suspend": ("reviewer", {"procedure": "testing", "reason": "送检复检样品", "expected_days": 5}),
    "approve": ("reviewer", {}),
}
CASES = [
    # action, preparing steps, actor, data, target state, notice
    ("accept", [], "scjg-clerk", {}, State.ACCEPTED, "acceptance"),
    ("request-correction", [], "scjg-clerk",
     {"problems": [{"item": "复检申请书", "problem": "未签字"}]}, State.CORRECTION, "correction"),
    ("resubmit", ["request-correction"], "citizen", {}, State.SUBMITTED, ""),
    ("refuse", [], "scjg-clerk", {"reasons": "不属于本机关职权范围"}, State.REFUSED, "refusal"),
    ("review", ["accept"], "reviewer", {}, State.UNDER_REVIEW, ""),
    ("suspend", ["accept", "review"], "reviewer",
     {"procedure": "testing", "reason": "送检复检样品", "expected_days": 5}, State.SUSPENDED,
     "special"),
    ("resume", ["accept", "review", "suspend"], "reviewer", {}, State.UNDER_REVIEW, ""),
    ("extend", ["accept", "review"], "dept-admin", {"reason": "需要补充现场核查"},
     State.UNDER_REVIEW, "extension"),
    ("approve", ["accept", "review"], "reviewer", {}, State.APPROVED, "approval"),
    ("deny", ["accept", "review"], "reviewer", {"reasons": "复检申请超过法定期限"}, State.DENIED,
     "denial"),
    ("deliver", ["accept", "review", "approve"], "scjg-clerk", {"method": "pickup"},
     State.CONCLUDED, ""),
    ("withdraw", [], "citizen", {}, State.WITHDRAWN, ""),
    ("deem-accept", [], None, {}, State.ACCEPTED, ""),
    ("revoke", ["accept", "review", "approve"], "reviewer", {"finding": "核查发现承诺不实"},
     State.REVOKED, "revocation"),
]  # fmt: skip


def test_the_table_covers_every_transition():
    assert sorted(c[0] for c in CASES) == sorted(TRANSITIONS)


@pytest.mark.parametrize(
    ("action", "steps", "actor_key", "data", "target", "notice"), CASES, ids=[c[0] for c in CASES]
)
def test_each_transition(people, action, steps, actor_key, data, target, notice):
    case = _recheck_case(people)
    for step in steps:
        who, step_data = STEPS[step]
        case = act(case, step, people[who], DAY1, **step_data)
    actor = people[actor_key] if actor_key else None
    today = SIXTH if action == "deem-accept" else D(2026, 10, 8)
    files = (
        {"复检申请书": [("复检申请书（已签字）.pdf", pdf("signed"))]}
        if action == "resubmit"
        else None
    )
    before_state, before_version = case.state, case.version
    notices_before = set(Notice.objects.filter(case=case).values_list("pk", flat=True))
    inbox_before = InboxMessage.objects.filter(user=people["citizen"]).count()

    case = act(case, action, actor, today, files=files, **data)

    assert case.state == target
    assert case.version > before_version
    # The timeline says what happened, from which state to which.
    event = CaseEvent.objects.filter(case=case, action=action).latest("id")
    assert event.from_state == before_state
    assert event.to_state == target
    assert event.message
    if actor is None:
        assert event.actor_id is None
        assert event.actor_name == "系统"
    else:
        assert event.actor_id == actor.pk
        assert str(actor) in event.actor_name
    # The formal notice, numbered 望<unit><kind>〔year〕N号.
    issued = Notice.objects.filter(case=case).exclude(pk__in=notices_before)
    if notice:
        assert [n.kind for n in issued] == [notice]
        year = timezone.localdate().year
        pattern = rf"^望市{NOTICE_MARK[notice]}〔{year}〕[1-9]\d*号$"
        assert re.match(pattern, issued[0].number), issued[0].number
        assert issued[0].context["case_number"] == case.number
        assert issued[0].context["applicant"] == case.application.applicant_name
    else:
        assert not issued.exists()
    # The audit log: who, what, before and after.
    audit = AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk)).first()
    assert TRANSITIONS[action].label in audit.action
    assert audit.before["state"] == before_state
    assert audit.after["state"] == target
    assert audit.actor_id == (actor.pk if actor else None)
    # The applicant is told (except for the internal step of starting the review).
    told = InboxMessage.objects.filter(user=people["citizen"]).count() - inbox_before
    assert told >= (0 if action == "review" else 1)


def test_extension_keeps_the_state_and_moves_the_deadline(people):
    case = _recheck_case(people)
    case = act(case, "accept", people["scjg-clerk"], DAY1)
    due = services.status_of(case, today=DAY1).deadlines.statutory_due
    assert due == D(2026, 10, 10)  # 3 working days after 9-30: 10-08, 10-09, Saturday 10-10
    case = act(case, "extend", people["reviewer"], DAY1, reason="需要补充现场核查")
    assert case.state == State.ACCEPTED
    assert case.extension_days == 10
    extended = services.status_of(case, today=DAY1).deadlines.statutory_due
    assert extended > due


# --- Guards -------------------------------------------------------------------------------------


def test_an_action_not_allowed_in_the_state_lists_what_is(people):
    case = _recheck_case(people)
    with pytest.raises(ServiceError) as raised:
        act(case, "approve", people["reviewer"], DAY1)
    error = raised.value
    assert type(error) is ServiceError
    assert error.code == "action_not_allowed"
    assert "待预审" in error.message
    for label in ("受理", "一次性告知补正", "不予受理"):
        assert label in error.message
    assert "准予" not in error.fields["action"]
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


def test_nothing_is_allowed_on_a_concluded_case(people):
    case = _recheck_case(people)
    for action, who in (("accept", "scjg-clerk"), ("approve", "reviewer")):
        case = act(case, action, people[who], DAY1)
    case = act(case, "deliver", people["scjg-clerk"], DAY1, method="pickup")
    with pytest.raises(ServiceError) as raised:
        act(case, "withdraw", people["citizen"], DAY1)
    assert "当前可进行的操作：无" in raised.value.message


def test_a_clerk_cannot_decide_a_department_case_but_a_reviewer_can(people):
    case = _recheck_case(people)
    case = act(case, "accept", people["scjg-clerk"], DAY1)
    with pytest.raises(NotAllowed):
        act(case, "approve", people["scjg-clerk"], DAY1)
    with pytest.raises(NotAllowed):
        act(case, "deny", people["scjg-clerk"], DAY1, reasons="不符合条件")
    case.refresh_from_db()
    assert case.state == State.ACCEPTED
    assert "approve" not in [t.action for t in services.actions_for(case, people["scjg-clerk"])]
    assert "approve" in [t.action for t in services.actions_for(case, people["reviewer"])]
    case = act(case, "approve", people["reviewer"], DAY1)
    assert case.state == State.APPROVED
    assert case.decision == Case.Decision.APPROVED
    assert case.decided_on == DAY1


def test_a_department_administrator_may_decide(people):
    case = _recheck_case(people)
    case = act(case, "accept", people["scjg-clerk"], DAY1)
    case = act(case, "deny", people["dept-admin"], DAY1, reasons="复检申请超过法定期限")
    assert case.state == State.DENIED
    denial = Notice.objects.get(case=case, kind="denial")
    assert denial.context["reasons"] == "复检申请超过法定期限"
    assert "行政复议" in denial.context["remedies"]  # art. 38: the right to reconsideration


def test_a_town_clerk_decides_the_towns_own_cases(people):
    application = submit(people["citizen"], code=ELDERLY_GAOTANGLING, delivery=PICKUP)
    case = only_case(application)
    received_on(case)
    assert case.town == people["town-clerk"].town
    case = act(case, "accept", people["town-clerk"], DAY1)
    case = act(case, "approve", people["town-clerk"], DAY1)
    assert case.state == State.APPROVED
    number = Notice.objects.get(case=case, kind="approval").number
    assert number.startswith("望高许〔"), number


def test_the_applicant_cannot_accept(people):
    case = _recheck_case(people)
    with pytest.raises(NotAllowed):
        act(case, "accept", people["citizen"], DAY1)
    case.refresh_from_db()
    assert case.state == State.SUBMITTED
    assert not Notice.objects.filter(case=case).exists()


def test_staff_cannot_withdraw_for_the_applicant(people):
    case = _recheck_case(people)
    with pytest.raises(NotAllowed):
        act(case, "withdraw", people["reviewer"], DAY1)


def test_the_deadline_can_be_extended_only_once(people):
    case = _recheck_case(people)
    case = act(case, "accept", people["scjg-clerk"], DAY1)
    case = act(case, "extend", people["reviewer"], DAY1, reason="情况复杂")
    with pytest.raises(ServiceError) as raised:
        act(case, "extend", people["reviewer"], DAY1, reason="还需要时间")
    assert "一次" in raised.value.fields["reason"]
    assert Notice.objects.filter(case=case, kind="extension").count() == 1
    case.refresh_from_db()
    assert case.extension_days == 10


def test_extension_needs_a_reason(people):
    case = _recheck_case(people)
    case = act(case, "accept", people["scjg-clerk"], DAY1)
    with pytest.raises(ServiceError) as raised:
        act(case, "extend", people["reviewer"], DAY1, reason="   ")
    assert "reason" in raised.value.fields


def test_an_overdue_case_cannot_be_extended(people):
    case = _recheck_case(people)
    case = act(case, "accept", people["scjg-clerk"], DAY1)  # due 10-09
    with pytest.raises(ServiceError):
        act(case, "extend", people["reviewer"], D(2026, 10, 20), reason="来不及了")


def test_refusal_and_denial_need_reasons(people):
    case = _recheck_case(people)
    with pytest.raises(ServiceError) as raised:
        act(case, "refuse", people["scjg-clerk"], DAY1)
    assert "reasons" in raised.value.fields
    case = act(case, "accept", people["scjg-clerk"], DAY1)
    with pytest.raises(ServiceError) as raised:
        act(case, "deny", people["reviewer"], DAY1, reasons="  ")
    assert "reasons" in raised.value.fields
    case.refresh_from_db()
    assert case.state == State.ACCEPTED
    assert not Notice.objects.filter(case=case, kind__in=["refusal", "denial"]).exists()


@pytest.mark.parametrize("problems", [[], [{"item": "  ", "problem": "x"}], None, "   "])
def test_a_correction_lists_at_least_one_problem(people, problems):
    case = _recheck_case(people)
    with pytest.raises(ServiceError) as raised:
        act(case, "request-correction", people["scjg-clerk"], DAY1, problems=problems)
    assert "problems" in raised.value.fields
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


def test_a_correction_lists_everything_at_once(people):
    case = _recheck_case(people)
    problems = [
        {"item": "复检申请书", "problem": "未签字"},
        {"item": "联系电话", "problem": "号码有误"},
    ]
    case = act(case, "request-correction", people["scjg-clerk"], DAY1, problems=problems)
    notice = Notice.objects.get(case=case, kind="correction")
    assert [p["item"] for p in notice.context["problems"]] == ["复检申请书", "联系电话"]
    assert case.correction_items == problems


def test_resubmission_needs_a_new_file_for_each_material_named(people):
    case = _recheck_case(people)
    old_upload = CaseMaterial.objects.get(case=case, name="复检申请书").upload
    problems = [
        {"item": "复检申请书", "problem": "未签字"},
        {"item": "联系电话", "problem": "号码有误"},  # a field, not a file
    ]
    case = act(case, "request-correction", people["scjg-clerk"], DAY1, problems=problems)
    with pytest.raises(ServiceError) as raised:
        act(case, "resubmit", people["citizen"], D(2026, 10, 8), files={})
    assert set(raised.value.fields) == {"materials.复检申请书"}
    case.refresh_from_db()
    assert case.state == State.CORRECTION

    case = act(
        case,
        "resubmit",
        people["citizen"],
        D(2026, 10, 8),
        files={"复检申请书": [("复检申请书-签字版.pdf", pdf("signed"))]},
    )
    material = CaseMaterial.objects.get(case=case, name="复检申请书")
    assert material.upload != old_upload
    assert material.upload.original_name == "复检申请书-签字版.pdf"
    assert material.status == CaseMaterial.Status.UPLOADED
    assert Upload.objects.filter(pk=old_upload.pk).exists()  # the old file stays on record
    assert case.correction_items == []


def test_resubmission_rejects_a_file_that_is_not_a_document(people):
    case = _recheck_case(people)
    case = act(
        case,
        "request-correction",
        people["scjg-clerk"],
        DAY1,
        problems=[{"item": "复检申请书", "problem": "未签字"}],
    )
    with pytest.raises(ServiceError) as raised:
        act(
            case,
            "resubmit",
            people["citizen"],
            D(2026, 10, 8),
            files={"复检申请书": [("复检申请书.pdf", b"MZ\x90\x00" + b"\x00" * 60)]},
        )
    assert "按文件内容识别" in raised.value.fields["materials.复检申请书"]


def test_the_clock_stops_during_correction_and_restarts_at_resubmission(people):
    case = _recheck_case(people)
    case = act(
        case,
        "request-correction",
        people["scjg-clerk"],
        DAY1,
        problems=[{"item": "复检申请书", "problem": "未签字"}],
    )
    status = services.status_of(case, today=D(2026, 10, 20))
    assert status.warning == "paused"
    assert status.warning_label == "计时暂停"
    assert status.deadlines.paused
    # Long after the first receipt's 5 working days, the case is not deemed accepted.
    assert services.deem_accept_due(today=D(2026, 10, 20)) == 0

    case = act(
        case,
        "resubmit",
        people["citizen"],
        D(2026, 10, 14),
        files={"复检申请书": [("复检申请书.pdf", pdf("signed"))]},
    )
    assert case.state == State.SUBMITTED
    assert case.received_on == D(2026, 10, 14)
    found = services.status_of(case, today=D(2026, 10, 14)).deadlines
    assert found.step_due == D(2026, 10, 15)  # pre-review: 1 working day
    assert found.correction_deadline == D(2026, 10, 21)  # 10-15, 16, 19, 20, 21
    # The new 5 working days run from the resubmission.
    assert services.deem_accept_due(today=D(2026, 10, 21)) == 0
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


# --- Deemed acceptance (行政许可法 第三十二条) ---------------------------------------------


def test_no_correction_within_five_working_days_means_accepted_from_receipt(people):
    case = _recheck_case(people)
    assert services.deem_accept_due(today=FIFTH) == 0
    case.refresh_from_db()
    assert case.state == State.SUBMITTED

    assert services.deem_accept_due(today=SIXTH) == 1
    case.refresh_from_db()
    assert case.state == State.ACCEPTED
    assert case.deemed_accepted
    assert case.accepted_on == case.received_on == RECEIVED
    event = CaseEvent.objects.get(case=case, action="deem-accept")
    assert event.actor_id is None
    assert event.actor_name == "系统"
    # The decision limit counts from receipt: 3 working days after 9-29 is 10-09.
    assert services.status_of(case, today=SIXTH).deadlines.statutory_due == D(2026, 10, 9)
    # Running it again changes nothing.
    assert services.deem_accept_due(today=SIXTH) == 0


def test_a_correction_on_the_fifth_working_day_is_still_in_time(people):
    case = _recheck_case(people)
    case = act(
        case,
        "request-correction",
        people["scjg-clerk"],
        FIFTH,
        problems=[{"item": "复检申请书", "problem": "未签字"}],
    )
    assert case.state == State.CORRECTION
    assert not case.deemed_accepted


def test_a_late_correction_is_refused_because_the_case_is_already_accepted(people):
    case = _recheck_case(people)
    with pytest.raises(ServiceError) as raised:
        act(
            case,
            "request-correction",
            people["scjg-clerk"],
            SIXTH,
            problems=[{"item": "复检申请书", "problem": "未签字"}],
        )
    assert "已受理" in raised.value.message
    case.refresh_from_db()
    assert case.state == State.ACCEPTED
    assert case.deemed_accepted
    assert case.accepted_on == RECEIVED
    assert not Notice.objects.filter(case=case, kind="correction").exists()


# --- Notice numbers -----------------------------------------------------------------------------


def _serial(number: str) -> int:
    return int(re.search(r"〕(\d+)号$", number).group(1))


def test_notice_numbers_run_per_department_kind_and_year(people):
    year = timezone.localdate().year
    clerk = people["clerk"]  # 区行政审批服务局
    first = _open_info_case(people)
    second = _open_info_case(people)
    third = _open_info_case(people)
    food = _recheck_case(people)

    act(first, "accept", clerk, DAY1)
    act(food, "accept", people["scjg-clerk"], DAY1)
    act(second, "request-correction", clerk, DAY1, problems=[{"item": "申请表", "problem": "x"}])
    act(third, "accept", clerk, DAY1)

    a1 = Notice.objects.get(case=first, kind="acceptance").number
    a3 = Notice.objects.get(case=third, kind="acceptance").number
    c2 = Notice.objects.get(case=second, kind="correction").number
    f1 = Notice.objects.get(case=food, kind="acceptance").number
    assert re.match(rf"^望审受〔{year}〕[1-9]\d*号$", a1), a1
    assert re.match(rf"^望审补〔{year}〕[1-9]\d*号$", c2), c2
    assert re.match(rf"^望市受〔{year}〕[1-9]\d*号$", f1), f1
    # Another department's notice or another kind does not take a number from this series.
    assert _serial(a3) == _serial(a1) + 1


def _open_info_case(people) -> Case:
    case = only_case(submit(people["citizen"], code=OPEN_INFO, delivery=PICKUP))
    received_on(case)
    case.refresh_from_db()
    return case


# --- 即办件 ---------------------------------------------------------------------------------------


def test_an_on_the_spot_case_is_approved_when_accepted(people):
    case = only_case(submit(people["citizen"], code=ANNUAL_REPORT, delivery=PICKUP))
    received_on(case)
    case = act(case, "accept", people["scjg-clerk"], DAY1)
    assert case.case_type == "immediate"
    assert case.state == State.APPROVED
    assert case.decision == Case.Decision.APPROVED
    assert case.accepted_on == case.decided_on == DAY1
    kinds = list(Notice.objects.filter(case=case).values_list("kind", flat=True))
    assert sorted(kinds) == ["acceptance", "approval"]


def test_an_on_the_spot_case_delivered_electronically_concludes_at_once(people):
    application = submit(people["citizen"], code=ANNUAL_REPORT)
    case = only_case(application)
    received_on(case)
    case = act(case, "accept", people["scjg-clerk"], DAY1)
    assert case.state == State.CONCLUDED
    application.refresh_from_db()
    assert application.status == Application.Status.CONCLUDED
    assert application.delivered_at is not None


# --- Bundles: one delivery ------------------------------------------------------------------------


def _birth(people, delivery) -> dict[str, Case]:
    application = submit(people["citizen"], bundle="birth", delivery=delivery)
    received_on(application)
    cases = {c.department.code: c for c in application.cases.select_related("department")}
    assert set(cases) == {"WJ", "GA", "YB"}
    assert all(c.state == State.SUBMITTED for c in cases.values())
    return cases


def test_electronic_delivery_concludes_the_bundle_when_the_last_case_is_approved(people):
    cases = _birth(people, Application.Delivery.ELECTRONIC)
    wj = act(cases["WJ"], "accept", people["health-reviewer"], DAY1)  # 即办件: approved
    ga = act(cases["GA"], "accept", people["police-reviewer"], DAY1)
    assert wj.state == State.APPROVED
    ga.refresh_from_db()
    assert ga.state == State.APPROVED  # waits for the others: one delivery for the bundle
    application = wj.application
    application.refresh_from_db()
    assert application.status == Application.Status.OPEN
    assert application.delivered_at is None

    act(cases["YB"], "accept", people["medicare-reviewer"], DAY1)
    application.refresh_from_db()
    assert application.status == Application.Status.CONCLUDED
    assert application.concluded_at is not None
    assert application.delivered_at is not None
    for case in application.cases.all():
        assert case.state == State.CONCLUDED
        assert case.due_on is None
        event = CaseEvent.objects.get(case=case, action="deliver")
        assert event.actor_name == "系统"
        assert "电子送达" in event.message


def test_pickup_delivery_waits_for_every_case_then_one_delivery_concludes_all(people):
    cases = _birth(people, PICKUP)
    wj = act(cases["WJ"], "accept", people["health-reviewer"], DAY1)
    assert wj.state == State.APPROVED
    with pytest.raises(ServiceError) as raised:
        act(wj, "deliver", people["health-reviewer"], DAY1, method="pickup")
    assert raised.value.code == "delivery_waits"
    assert "2" in raised.value.message
    wj.refresh_from_db()
    assert wj.state == State.APPROVED

    act(cases["GA"], "accept", people["police-reviewer"], DAY1)
    act(cases["YB"], "accept", people["medicare-reviewer"], DAY1)
    application = wj.application
    application.refresh_from_db()
    assert application.status == Application.Status.OPEN  # waiting at the window
    assert set(application.cases.values_list("state", flat=True)) == {State.APPROVED}

    act(cases["GA"], "deliver", people["police-reviewer"], D(2026, 10, 8), method="pickup")
    application.refresh_from_db()
    assert application.status == Application.Status.CONCLUDED
    assert application.delivered_at is not None
    assert application.delivery_method == PICKUP
    assert set(application.cases.values_list("state", flat=True)) == {State.CONCLUDED}
    assert CaseEvent.objects.filter(case__application=application, action="deliver").count() == 3


def test_express_delivery_needs_a_tracking_number(people):
    case = _recheck_case(people)
    case = act(case, "accept", people["scjg-clerk"], DAY1)
    case = act(case, "approve", people["reviewer"], DAY1)
    with pytest.raises(ServiceError) as raised:
        act(case, "deliver", people["scjg-clerk"], DAY1, method="express")
    assert "tracking" in raised.value.fields
    case = act(
        case, "deliver", people["scjg-clerk"], DAY1, method="express", tracking="SF1234567890"
    )
    assert case.state == State.CONCLUDED
    assert case.application.delivery_tracking == "SF1234567890"


# --- Withdrawal and the application's status -----------------------------------------------------


def test_the_applicant_withdraws_before_the_decision(people):
    case = _recheck_case(people)
    case = act(case, "accept", people["scjg-clerk"], DAY1)
    case = act(case, "withdraw", people["citizen"], DAY1)
    assert case.state == State.WITHDRAWN
    assert case.concluded_at is not None
    assert case.due_on is None
    case.application.refresh_from_db()
    assert case.application.status == Application.Status.WITHDRAWN


def test_no_withdrawal_after_the_decision(people):
    case = _recheck_case(people)
    case = act(case, "accept", people["scjg-clerk"], DAY1)
    case = act(case, "approve", people["reviewer"], DAY1)
    with pytest.raises(ServiceError):
        act(case, "withdraw", people["citizen"], DAY1)
    with pytest.raises(ServiceError):
        services.withdraw_application(application_id=case.application_id, actor=people["citizen"])
    case.refresh_from_db()
    assert case.state == State.APPROVED


def test_withdrawing_an_application_withdraws_every_open_case(people):
    application = submit(people["citizen"], bundle="birth", delivery=PICKUP)
    application = services.withdraw_application(
        application_id=application.pk, actor=people["citizen"]
    )
    assert application.status == Application.Status.WITHDRAWN
    assert set(application.cases.values_list("state", flat=True)) == {State.WITHDRAWN}


def test_the_application_concludes_when_every_case_is_finished_whatever_the_outcome(people):
    cases = _birth(people, Application.Delivery.ELECTRONIC)
    act(cases["WJ"], "refuse", people["health-reviewer"], DAY1, reasons="出生医学证明编号有误")
    application = cases["WJ"].application
    application.refresh_from_db()
    assert application.status == Application.Status.OPEN
    act(cases["GA"], "accept", people["police-reviewer"], DAY1)
    application.refresh_from_db()
    assert application.status == Application.Status.OPEN
    act(cases["YB"], "withdraw", people["citizen"], DAY1)
    application.refresh_from_db()
    assert application.status == Application.Status.CONCLUDED
    states = dict(application.cases.values_list("department__code", "state"))
    assert states == {"WJ": State.REFUSED, "GA": State.CONCLUDED, "YB": State.WITHDRAWN}


def test_a_vaccination_case_alone_goes_to_the_health_bureau(people):
    case = only_case(submit(people["citizen"], code=VACCINATION))
    assert case.department.code == "WJ"
    assert case.unit_name == "区卫健局"
    event = CaseEvent.objects.get(case=case, action="submit")
    assert "区卫健局" in event.message


# --- A corrected file shared by several cases ----------------------------------------------------


@pytest.fixture
def ghost(district):
    """A person not in the population registry: every material has to be uploaded."""
    from .factories import make_person

    return make_person("ghost", "110101199003074514", "户籍外")


def test_a_corrected_shared_file_reaches_the_other_open_cases(people, ghost):
    application = submit(ghost, bundle="birth", delivery=PICKUP)
    received_on(application)
    cases = {c.department.code: c for c in application.cases.select_related("department")}
    original = CaseMaterial.objects.get(case=cases["GA"], name="出生医学证明").upload
    assert CaseMaterial.objects.get(case=cases["WJ"], name="出生医学证明").upload == original

    problems = [{"item": "出生医学证明", "problem": "照片不清晰"}]
    act(cases["WJ"], "request-correction", people["health-reviewer"], DAY1, problems=problems)
    act(
        cases["WJ"],
        "resubmit",
        ghost,
        D(2026, 10, 8),
        files={"出生医学证明": [("出生医学证明-清晰.pdf", pdf("clear"))]},
    )
    new = CaseMaterial.objects.get(case=cases["WJ"], name="出生医学证明").upload
    assert new != original
    # The police case, still waiting for its decision, gets the clearer copy too.
    assert CaseMaterial.objects.get(case=cases["GA"], name="出生医学证明").upload == new


def test_a_corrected_shared_file_does_not_rewrite_a_decided_case(people, ghost):
    application = submit(ghost, bundle="birth", delivery=PICKUP)
    received_on(application)
    cases = {c.department.code: c for c in application.cases.select_related("department")}
    original = CaseMaterial.objects.get(case=cases["GA"], name="出生医学证明").upload
    ga = act(cases["GA"], "accept", people["police-reviewer"], DAY1)  # 即办件: decided
    assert ga.state == State.APPROVED

    problems = [{"item": "出生医学证明", "problem": "照片不清晰"}]
    act(cases["WJ"], "request-correction", people["health-reviewer"], DAY1, problems=problems)
    act(
        cases["WJ"],
        "resubmit",
        ghost,
        D(2026, 10, 8),
        files={"出生医学证明": [("出生医学证明-清晰.pdf", pdf("clear"))]},
    )
    assert CaseMaterial.objects.get(case=cases["GA"], name="出生医学证明").upload == original
