"""Commitment-based approval (告知承诺制, 国办发〔2020〕42号) with its after-the-fact check and
credit consequences, and instant approval (秒批) by the handling item's rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from onething.cases import services
from onething.cases.models import (
    Application,
    Case,
    CaseEvent,
    CaseMaterial,
    CommitmentVerification,
    Notice,
)
from onething.cases.workflow import State
from onething.catalog.models import HandlingItem
from onething.core import workdays
from onething.core.errors import Conflict, NotAllowed, NotFound, ServiceError
from onething.core.models import Role
from onething.core.services import load_calendar
from onething.registries.models import CreditRecord, Enterprise, Person

from .factories import FOOD_LICENSE, INSURANCE, RECHECK, make_staff, only_case, submit

pytestmark = pytest.mark.django_db

LAYOUT = "与食品经营相适应的主要设备设施布局、操作流程等文件"
RULES = "食品安全自查、从业人员健康管理、进货查验记录、食品安全事故处置等保证食品安全的规章制度"
WAIVED = [LAYOUT, RULES]
FOOD_FIELDS = {"business_form": "catering", "online_sales": "no"}


def _commit(enterprise, **kwargs) -> Case:
    application = submit(
        enterprise,
        code=FOOD_LICENSE,
        commitments=[FOOD_LICENSE],
        skip_files=WAIVED,
        fields=FOOD_FIELDS,
        **kwargs,
    )
    return only_case(application)


def _barred_reason(enterprise) -> str:
    with pytest.raises(ServiceError) as raised:
        _commit(enterprise)
    return raised.value.fields["commitments"]


# --- Commitment -----------------------------------------------------------------------------------


def test_a_commitment_is_approved_at_once_without_the_waived_materials(users):
    today = timezone.localdate()
    case = _commit(users["enterprise"], delivery=Application.Delivery.PICKUP)
    assert case.route == Case.Route.COMMITMENT
    assert case.state == State.APPROVED
    assert case.decision == Case.Decision.APPROVED
    assert case.accepted_on == case.decided_on == today
    approval = Notice.objects.get(case=case, kind="approval")
    assert "告知承诺" in approval.context["basis"]
    event = CaseEvent.objects.get(case=case, action="commitment-approve")
    assert event.to_state == State.APPROVED

    verification = CommitmentVerification.objects.get(case=case)
    assert verification.status == CommitmentVerification.Status.PENDING
    assert verification.method == "现场核查"
    assert sorted(verification.waived) == sorted(WAIVED)
    assert "告知承诺方式" in verification.commitment_text
    # Verified within the item's 20 working days.
    calendar = load_calendar()
    assert calendar.is_working_day(verification.due_on)
    assert workdays.working_days_between(calendar, today, verification.due_on).working_days == 20
    assert verification.due_on.strftime("%Y年%m月%d日") in event.message

    materials = {m.name: m for m in CaseMaterial.objects.filter(case=case)}
    for name in WAIVED:
        assert materials[name].status == CaseMaterial.Status.COMMITMENT
        assert materials[name].upload is None
    assert materials["食品经营许可申请书"].status == CaseMaterial.Status.UPLOADED
    assert materials["营业执照"].status == CaseMaterial.Status.LICENSE


def test_with_electronic_delivery_a_commitment_concludes_at_once(users):
    case = _commit(users["enterprise"])
    assert case.state == State.CONCLUDED
    case.application.refresh_from_db()
    assert case.application.status == Application.Status.CONCLUDED


def test_without_a_commitment_the_waivable_materials_are_required(users):
    with pytest.raises(ServiceError) as raised:
        submit(users["enterprise"], code=FOOD_LICENSE, skip_files=WAIVED, fields=FOOD_FIELDS)
    assert {f"materials.{name}" for name in WAIVED} <= set(raised.value.fields)


def test_commitment_only_where_the_item_offers_it(users):
    with pytest.raises(ServiceError) as raised:
        submit(users["citizen"], code=RECHECK, commitments=[RECHECK])
    assert "不适用" in raised.value.fields["commitments"]


def test_a_truthful_commitment_is_confirmed(users):
    case = _commit(users["enterprise"], delivery=Application.Delivery.PICKUP)
    verification = services.verify_commitment(
        verification_id=case.verification.pk,
        actor=users["reviewer"],
        truthful=True,
        finding="现场核查：布局、制度与承诺一致",
    )
    assert verification.status == CommitmentVerification.Status.CONFIRMED
    assert verification.verified_by == users["reviewer"]
    assert verification.verified_at is not None
    case.refresh_from_db()
    assert case.state == State.APPROVED
    assert CaseEvent.objects.filter(case=case, action="verify").exists()
    assert not CreditRecord.objects.filter(subject_code=users["enterprise"].credit_code).exists()
    with pytest.raises(Conflict):
        services.verify_commitment(
            verification_id=verification.pk, actor=users["reviewer"], truthful=False, finding="x"
        )


def test_only_the_deciding_unit_verifies(users):
    case = _commit(users["enterprise"])
    clerk = make_staff("scjg-clerk", Role.CLERK, department="SCJG")
    with pytest.raises(NotAllowed):
        services.verify_commitment(
            verification_id=case.verification.pk, actor=clerk, truthful=True, finding="属实"
        )
    with pytest.raises(NotFound):
        services.verify_commitment(
            verification_id=case.verification.pk,
            actor=users["health-reviewer"],
            truthful=True,
            finding="属实",
        )
    with pytest.raises(ServiceError) as raised:
        services.verify_commitment(
            verification_id=case.verification.pk, actor=users["reviewer"], truthful=True,
            finding="  ",
        )  # fmt: skip
    assert "finding" in raised.value.fields
    case.verification.refresh_from_db()
    assert case.verification.status == CommitmentVerification.Status.PENDING


def test_a_false_commitment_revokes_records_credit_and_bars_commitment_until_repaired(users):
    enterprise = users["enterprise"]
    case = _commit(enterprise)
    finding = "现场核查发现未建立进货查验记录制度"
    verification = services.verify_commitment(
        verification_id=case.verification.pk,
        actor=users["reviewer"],
        truthful=False,
        finding=finding,
    )
    assert verification.status == CommitmentVerification.Status.FALSE
    case.refresh_from_db()
    assert case.state == State.REVOKED
    revocation = Notice.objects.get(case=case, kind="revocation")
    assert "撤" in revocation.number
    assert revocation.context["finding"] == finding
    record = CreditRecord.objects.get(subject_code=enterprise.credit_code)
    assert record.kind == CreditRecord.Kind.FALSE_COMMITMENT
    assert finding in record.reason
    assert case.number in record.source
    assert record.repaired_at is None

    # A new commitment is refused, saying why.
    reason = _barred_reason(enterprise)
    assert "虚假承诺" in reason
    assert finding in reason
    # The normal procedure is still open to them.
    normal = only_case(submit(enterprise, code=FOOD_LICENSE, fields=FOOD_FIELDS))
    assert normal.route == Case.Route.NORMAL
    assert normal.state == State.SUBMITTED

    # Only the bureau repairs credit, and it says on what basis.
    for who in ("reviewer", "clerk", "enterprise"):
        with pytest.raises(NotAllowed):
            services.repair_credit(record_id=record.pk, actor=users[who], note="已整改")
    with pytest.raises(ServiceError):
        services.repair_credit(record_id=record.pk, actor=users["supervisor"], note=" ")
    services.repair_credit(
        record_id=record.pk, actor=users["supervisor"], note="已整改到位，经复查符合条件"
    )
    record.refresh_from_db()
    assert record.repaired_at is not None
    with pytest.raises(Conflict):
        services.repair_credit(record_id=record.pk, actor=users["supervisor"], note="再次")

    again = _commit(enterprise)
    assert again.route == Case.Route.COMMITMENT


def test_an_enterprise_with_tax_credit_rating_d_is_barred(users):
    enterprise = users["enterprise"]
    Enterprise.objects.filter(credit_code=enterprise.credit_code).update(tax_credit_rating="D")
    assert "纳税信用等级为D级" in _barred_reason(enterprise)
    assert not Case.objects.filter(application__applicant_code=enterprise.credit_code).exists()


def test_a_person_with_a_serious_dishonesty_record_is_barred(users):
    citizen = users["citizen"]
    CreditRecord.objects.create(
        subject_code=citizen.id_number,
        subject_name="罗荣良",
        kind=CreditRecord.Kind.SERIOUS_DISHONESTY,
        reason="列入严重失信主体名单",
        source="信用中国（湖南）",
        recorded_at=timezone.now(),
    )
    assert "严重失信" in _barred_reason(citizen)


# --- Instant approval ------------------------------------------------------------------------


def _insure(citizen, **fields) -> Case:
    values = {
        "guardian_relation": "parent",
        "child_name": "罗小宝",
        "child_birth_date": (timezone.localdate() - dt.timedelta(days=30)).isoformat(),
        "birth_cert_number": "Q430112026001",
    }
    values.update(fields)
    return only_case(submit(citizen, code=INSURANCE, fields=values))


def test_instant_approval_concludes_at_submission_and_records_every_fact(users):
    citizen = users["citizen"]
    person = Person.objects.select_related("household_community__parent").get(
        id_number=citizen.id_number
    )
    case = _insure(citizen)
    assert case.route == Case.Route.INSTANT
    assert case.state == State.CONCLUDED
    assert case.decision == Case.Decision.APPROVED
    assert case.concluded_at is not None
    case.application.refresh_from_db()
    assert case.application.status == Application.Status.CONCLUDED

    [check] = case.facts_checked
    assert check["result"] == "true"
    facts = {f["fact"]: f for f in check["facts"]}
    assert set(facts) == {"household_town", "guardian_relation", "child_birth_date",
                          "birth_cert_number"}  # fmt: skip
    town = facts["household_town"]
    assert town["label"] == "户籍地乡镇街道"
    assert town["source"] == "基础库"
    assert town["value"] == person.household_community.parent.name
    relation = facts["guardian_relation"]
    assert relation["label"] == "申请人与办理对象的关系"
    assert relation["source"] == "申请表"
    assert relation["value"] == "parent"
    assert facts["birth_cert_number"]["value"] == "Q430112026001"
    assert all(f["label"] and f["source"] for f in check["facts"])
    assert all(line.startswith("✓") for line in check["explanation"])

    event = CaseEvent.objects.get(case=case, action="instant-approve")
    assert event.actor_name == "系统"
    approval = Notice.objects.get(case=case, kind="approval")
    assert "秒批" in approval.context["basis"]


def test_a_false_rule_means_normal_handling_with_the_check_on_record(users):
    case = _insure(users["citizen"], guardian_relation="self")
    assert case.route == Case.Route.NORMAL
    assert case.state == State.SUBMITTED
    assert case.decision == ""
    [check] = case.facts_checked
    assert check["result"] == "false"
    assert any(
        line.startswith("✗") and "申请人与办理对象的关系" in line for line in check["explanation"]
    )
    assert not Notice.objects.filter(case=case).exists()


def test_an_unknown_rule_means_normal_handling_with_the_check_on_record(users):
    HandlingItem.objects.filter(code=INSURANCE).update(
        approval_rule={
            "all": [
                {"fact": "guardian_relation", "op": "=", "value": "parent"},
                {"not": {"fact": "child_birth_date", "op": "years_before_asof", "value": 1}},
            ]
        }
    )
    case = _insure(users["citizen"], child_birth_date="")
    assert case.route == Case.Route.NORMAL
    assert case.state == State.SUBMITTED
    [check] = case.facts_checked
    assert check["result"] == "unknown"
    birth = next(f for f in check["facts"] if f["fact"] == "child_birth_date")
    assert birth["value"] is None
