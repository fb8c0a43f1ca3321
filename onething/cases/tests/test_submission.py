"""Submitting an application (services.submit_application): idempotency, all-or-nothing, the
merged form with registry prefill, materials shared by several cases, assisted service."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from onething.bundles.models import Bundle, GuidanceSession
from onething.cases import services
from onething.cases.models import Application, Case, CaseEvent, CaseMaterial, Upload
from onething.core.errors import Conflict, NotAllowed, ServiceError
from onething.registries.models import Person

from .factories import (
    BIRTH_ANSWERS,
    RECHECK,
    answers_for,
    draft,
    files_for,
    make_person,
    only_case,
    pdf,
    submit,
)

pytestmark = pytest.mark.django_db

BIRTH_ALL = {**BIRTH_ANSWERS, "want_card": True, "mother_insured": True, "allowance_to_card": True}


def _stored_files() -> set[Path]:
    root = Path(settings.ONETHING_UPLOAD_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _counts() -> tuple[int, int, int, int]:
    return (
        Application.objects.count(),
        Case.objects.count(),
        Upload.objects.count(),
        CaseMaterial.objects.count(),
    )


def _submission(the_draft, actor, **changes) -> services.Submission:
    values = {
        "answers": answers_for(the_draft.form, id_number=actor.id_number),
        "files": files_for(the_draft.form),
    }
    values.update(changes)
    return services.Submission(**values)


@pytest.fixture
def ghost(district):
    """A person with an account but no record in the population registry: nothing is
    prefilled and no material is supplied by shared data or an e-license."""
    id_number = "110101199003074514"
    assert not Person.objects.filter(id_number=id_number).exists()
    return make_person("ghost", id_number, "户籍外")


# --- Idempotency ------------------------------------------------------------------------------


def test_the_same_key_twice_gives_one_application(users):
    citizen = users["citizen"]
    the_draft = draft(citizen, bundle="birth")
    submission = _submission(the_draft, citizen)
    first, created = services.submit_application(
        actor=citizen, draft=the_draft, submission=submission, idempotency_key="retry-1"
    )
    assert created
    counts, files = _counts(), _stored_files()

    again, created_again = services.submit_application(
        actor=citizen, draft=the_draft, submission=submission, idempotency_key="retry-1"
    )
    assert not created_again
    assert again.pk == first.pk
    assert _counts() == counts
    assert _stored_files() == files


def test_the_same_key_with_a_different_body_is_a_conflict(users):
    citizen = users["citizen"]
    the_draft = draft(citizen, code=RECHECK)
    submission = _submission(the_draft, citizen)
    services.submit_application(
        actor=citizen, draft=the_draft, submission=submission, idempotency_key="k-conflict"
    )
    counts, files = _counts(), _stored_files()
    changed = _submission(the_draft, citizen, delivery_method=Application.Delivery.PICKUP)
    with pytest.raises(Conflict) as raised:
        services.submit_application(
            actor=citizen, draft=the_draft, submission=changed, idempotency_key="k-conflict"
        )
    assert raised.value.status == 409
    assert raised.value.code == "idempotency_key_reused"
    assert _counts() == counts
    assert _stored_files() == files


def test_keys_belong_to_their_submitter(users):
    the_key = "shared-key"
    submit(users["citizen"], code=RECHECK, key=the_key)
    # The clerk's own use of the same key is another application.
    application = submit(
        users["clerk"],
        code=RECHECK,
        key=the_key,
        on_behalf={"id_number": users["citizen"].id_number, "consent": "本人当面签字确认"},
        consent="本人当面签字确认",
    )
    assert Application.objects.filter(idempotency_key=the_key).count() == 2
    assert application.submitted_by == users["clerk"]


def test_a_key_is_required(users):
    citizen = users["citizen"]
    the_draft = draft(citizen, code=RECHECK)
    with pytest.raises(ServiceError) as raised:
        services.submit_application(
            actor=citizen,
            draft=the_draft,
            submission=_submission(the_draft, citizen),
            idempotency_key="  ",
        )
    assert "idempotency_key" in raised.value.fields


def test_a_retry_racing_the_first_request_returns_the_first_application(users, monkeypatch):
    """Two requests with one key both pass the replay check before either has committed: the
    unique constraint stops the second, which then answers with the first."""
    citizen = users["citizen"]
    the_draft = draft(citizen, code=RECHECK)
    submission = _submission(the_draft, citizen)
    first, _ = services.submit_application(
        actor=citizen, draft=the_draft, submission=submission, idempotency_key="race-1"
    )
    counts, files = _counts(), _stored_files()
    real_replay = services._replay
    calls = []

    def not_yet_committed(actor, key, digest):
        calls.append(key)
        return None if len(calls) == 1 else real_replay(actor, key, digest)

    monkeypatch.setattr(services, "_replay", not_yet_committed)
    second, created = services.submit_application(
        actor=citizen, draft=the_draft, submission=submission, idempotency_key="race-1"
    )
    assert not created
    assert second.pk == first.pk
    assert _counts() == counts
    assert _stored_files() == files  # the loser's stored files were removed


# --- All or nothing -----------------------------------------------------------------------------


def test_if_one_case_fails_nothing_of_the_application_remains(users, monkeypatch):
    citizen = users["citizen"]
    the_draft = draft(citizen, bundle="birth", guidance=BIRTH_ALL)
    assert len(the_draft.handling_items) >= 3
    submission = _submission(the_draft, citizen)
    assert submission.files  # some files are written before the database transaction
    counts, files = _counts(), _stored_files()
    real_save = Case.save
    saved = []

    def second_case_fails(self, *args, **kwargs):
        saved.append(self.handling_item_id)
        if len(saved) == 2:
            raise RuntimeError("数据库写入失败")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Case, "save", second_case_fails)
    with pytest.raises(RuntimeError):
        services.submit_application(
            actor=citizen, draft=the_draft, submission=submission, idempotency_key="atomic-1"
        )
    assert _counts() == counts
    assert not Application.objects.filter(idempotency_key="atomic-1").exists()
    assert not CaseEvent.objects.filter(case__application__idempotency_key="atomic-1").exists()
    assert _stored_files() == files

    # The same key works once the fault is gone.
    monkeypatch.setattr(Case, "save", real_save)
    application, created = services.submit_application(
        actor=citizen, draft=the_draft, submission=submission, idempotency_key="atomic-1"
    )
    assert created
    assert application.cases.count() == len(the_draft.handling_items)


def test_invalid_input_writes_nothing(users):
    citizen = users["citizen"]
    the_draft = draft(citizen, code=RECHECK)
    counts, files = _counts(), _stored_files()
    bad = _submission(
        the_draft, citizen, delivery_method=Application.Delivery.EXPRESS, delivery_address=""
    )
    with pytest.raises(ServiceError) as raised:
        services.submit_application(
            actor=citizen, draft=the_draft, submission=bad, idempotency_key="bad-1"
        )
    assert "delivery_address" in raised.value.fields
    assert _counts() == counts
    assert _stored_files() == files


# --- The merged form ----------------------------------------------------------------------------


def test_prefilled_fields_show_their_source_and_identity_fields_cannot_be_changed(users):
    citizen = users["citizen"]
    person = Person.objects.get(id_number=citizen.id_number)
    the_draft = draft(citizen, code=RECHECK)
    fields = {f.key: f for f in the_draft.form.applicant_fields}
    assert fields["applicant_name"].value == person.name
    assert fields["applicant_name"].source == "人口库"
    assert fields["applicant_name"].locked
    assert fields["applicant_id"].value == citizen.id_number
    assert fields["applicant_id"].locked
    assert fields["applicant_address"].source.startswith("人口库")
    assert not fields["applicant_phone"].locked  # contact details may be corrected

    answers = answers_for(the_draft.form)
    answers.update(
        applicant_name="冒名顶替",
        applicant_id="11010119900307451X",
        applicant_phone="13912345678",
    )
    application, _ = services.submit_application(
        actor=citizen,
        draft=the_draft,
        submission=_submission(the_draft, citizen, answers=answers),
        idempotency_key="prefill-1",
    )
    assert application.form_data["applicant_name"] == person.name
    assert application.form_data["applicant_id"] == citizen.id_number
    assert application.applicant_name == person.name
    assert application.applicant_code == citizen.id_number
    assert application.form_data["applicant_phone"] == "13912345678"
    assert application.applicant_phone == "13912345678"
    assert application.prefill_sources["applicant_name"] == "人口库"


def test_a_field_shared_by_several_items_is_asked_once(users):
    the_draft = draft(users["citizen"], bundle="birth", guidance=BIRTH_ALL)
    keys = [f.key for f in the_draft.form.all_fields]
    assert len(keys) == len(set(keys))
    birth_date = next(f for f in the_draft.form.fields if f.key == "child_birth_date")
    assert len(birth_date.used_by) >= 3
    assert set(birth_date.used_by) <= {h.code for h in the_draft.handling_items}
    application = submit(
        users["citizen"],
        bundle="birth",
        guidance=BIRTH_ALL,
        fields={"child_birth_date": "2026-11-01"},
    )
    assert application.form_data["child_birth_date"] == "2026-11-01"
    assert application.cases.count() == len(the_draft.handling_items)


def test_a_material_uploaded_once_serves_every_case_needing_it(ghost):
    the_draft = draft(ghost, bundle="birth", guidance=BIRTH_ALL)
    certificate = next(m for m in the_draft.form.materials if m.name == "出生医学证明")
    assert not certificate.supplied_by
    assert len(certificate.needed_by) >= 2
    names = [m.name for m in the_draft.form.materials]
    assert len(names) == len(set(names))

    application = submit(ghost, bundle="birth", guidance=BIRTH_ALL)
    rows = CaseMaterial.objects.filter(case__application=application, name="出生医学证明")
    assert rows.count() == len(certificate.needed_by)
    assert len({r.case_id for r in rows}) == rows.count()
    assert len({r.upload_id for r in rows}) == 1
    upload = rows.first().upload
    assert upload.original_name == "出生医学证明.pdf"
    assert upload.application == application
    assert Upload.objects.filter(application=application).count() == len(
        [m for m in the_draft.form.materials if not m.supplied_by]
    )


def test_materials_supplied_by_registries_or_e_licenses_are_not_asked_for(users):
    citizen = users["citizen"]
    the_draft = draft(citizen, bundle="birth", guidance=BIRTH_ALL)
    supplied = {m.name: m for m in the_draft.form.materials if m.supplied_by}
    assert supplied["出生医学证明"].supplied_by == "license"
    assert supplied["出生医学证明"].supplied_label == "电子证照获取，免提交"
    assert supplied["近期免冠证件照"].supplied_by == "registry"
    # Nothing is uploaded for them, and the submission is complete.
    files = files_for(the_draft.form)
    assert not set(files) & set(supplied)
    application = submit(citizen, bundle="birth", guidance=BIRTH_ALL)
    certificate = CaseMaterial.objects.filter(case__application=application, name="出生医学证明")
    assert certificate.exists()
    assert {(m.status, m.upload_id) for m in certificate} == {("license", None)}
    photo = CaseMaterial.objects.get(case__application=application, name="近期免冠证件照")
    assert photo.status == "registry"


def test_a_missing_required_material_is_named(users):
    citizen = users["citizen"]
    the_draft = draft(citizen, code=RECHECK)
    counts = _counts()
    with pytest.raises(ServiceError) as raised:
        services.submit_application(
            actor=citizen,
            draft=the_draft,
            submission=_submission(the_draft, citizen, files={}),
            idempotency_key="missing-1",
        )
    assert "复检申请书" in raised.value.fields["materials.复检申请书"]
    assert _counts() == counts


def test_a_material_the_application_does_not_need_is_refused(users):
    citizen = users["citizen"]
    the_draft = draft(citizen, code=RECHECK)
    files = {**files_for(the_draft.form), "结婚证": [("结婚证.pdf", pdf("x"))]}
    with pytest.raises(ServiceError) as raised:
        services.submit_application(
            actor=citizen,
            draft=the_draft,
            submission=_submission(the_draft, citizen, files=files),
            idempotency_key="extra-1",
        )
    assert "materials.结婚证" in raised.value.fields


def test_a_missing_required_field_is_named(users):
    citizen = users["citizen"]
    the_draft = draft(citizen, bundle="birth")
    answers = answers_for(the_draft.form)
    answers["child_name"] = ""
    with pytest.raises(ServiceError) as raised:
        services.submit_application(
            actor=citizen,
            draft=the_draft,
            submission=_submission(the_draft, citizen, answers=answers),
            idempotency_key="field-1",
        )
    assert "child_name" in raised.value.fields


# --- Assisted service (帮代办) -------------------------------------------------------------------


def test_a_clerk_applies_on_behalf_of_a_person_with_their_consent(users):
    clerk, citizen = users["clerk"], users["citizen"]
    person = Person.objects.get(id_number=citizen.id_number)
    consent = "申请人本人到窗口当面签字确认委托"
    application = submit(
        clerk,
        code=RECHECK,
        on_behalf={"id_number": citizen.id_number.lower(), "consent": consent},
        consent=consent,
    )
    assert application.channel == Application.Channel.ASSISTED
    assert application.consent == consent
    assert application.submitted_by == clerk
    assert application.applicant_user == citizen
    assert application.applicant_code == citizen.id_number
    assert application.applicant_name == person.name
    event = CaseEvent.objects.get(case=only_case(application), action="submit")
    assert event.actor == clerk
    assert str(clerk) in event.message
    assert f"代{person.name}" in event.message
    assert event.data["consent"] == consent
    assert Application.objects.visible_to(citizen).filter(pk=application.pk).exists()


def test_assisted_service_needs_consent_and_a_registered_person(users):
    clerk = users["clerk"]
    with pytest.raises(ServiceError) as raised:
        draft(clerk, code=RECHECK, on_behalf={"id_number": users["citizen"].id_number})
    assert "consent" in raised.value.fields
    with pytest.raises(ServiceError) as raised:
        draft(clerk, code=RECHECK, on_behalf={"id_number": "110101199003074514", "consent": "签字"})
    assert "id_number" in raised.value.fields


def test_only_staff_apply_on_behalf_of_others(users):
    with pytest.raises(NotAllowed):
        draft(
            users["citizen"],
            code=RECHECK,
            on_behalf={"id_number": users["citizen"].id_number, "consent": "我同意"},
        )


def test_an_assisted_application_always_records_the_consent(users):
    clerk = users["clerk"]
    the_draft = draft(
        clerk, code=RECHECK, on_behalf={"id_number": users["citizen"].id_number, "consent": "签字"}
    )
    submission = services.Submission(
        answers=answers_for(the_draft.form), files=files_for(the_draft.form)
    )
    try:
        application, _ = services.submit_application(
            actor=clerk, draft=the_draft, submission=submission, idempotency_key=uuid.uuid4().hex
        )
    except ServiceError as error:
        assert "consent" in error.fields
    else:
        assert application.consent


# --- Guidance -------------------------------------------------------------------------------------


def test_the_guidance_session_is_marked_converted(users):
    citizen = users["citizen"]
    bundle = Bundle.objects.get(slug="birth")
    session = GuidanceSession.objects.create(
        bundle=bundle, user=citizen, answers=BIRTH_ANSWERS, completed_at=timezone.now()
    )
    other = GuidanceSession.objects.create(bundle=bundle, user=citizen, answers=BIRTH_ANSWERS)
    application = submit(citizen, bundle="birth", guidance_session_id=session.pk)
    session.refresh_from_db()
    other.refresh_from_db()
    assert session.converted_at is not None
    assert session.converted_at >= application.submitted_at - dt.timedelta(seconds=1)
    assert other.converted_at is None
    assert application.bundle == bundle
    assert application.guidance_answers == BIRTH_ANSWERS
