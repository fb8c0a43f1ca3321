"""Helpers for the case tests: demo handling items by name, filled-in submissions, staff
accounts the demo district lacks, and a case's clock set to known dates."""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile

from django.utils import timezone

from onething.bundles.models import Bundle
from onething.cases import services
from onething.cases.models import Application, Case
from onething.core.models import Department, Region, Role, User

# A tiny but real PDF header: the upload check recognises files by their content.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48

# Demo handling items (onething/catalog/data/items/*.yaml) by handling item code.
RECHECK = "11430112000000027C400022000500001"  # 食品安全抽检复检申请, SCJG, 3 working days
ANNUAL_REPORT = "11430112000000027C400022000100001"  # 个体工商户年度报告, SCJG, 即办件
FOOD_LICENSE = "11430112000000027C400020100100001"  # 食品经营许可（新办）, SCJG, 告知承诺
VACCINATION = "11430112000000115T400112000300001"  # 预防接种证办理, WJ
INSURANCE = "114301120000001663400162000100001"  # 城乡居民基本医疗保险参保登记, YB, 秒批
OPEN_INFO = "11430112000000019H400012000100001"  # 政府信息公开申请, XZSP
ELDERLY_GAOTANGLING = "11430112T0000001XN500130500500001"  # 高龄津贴申领, 高塘岭街道

BIRTH_ANSWERS = {
    "parents_local": True,
    "parents_married": True,
    "by_agent": False,
    "cert_status": "ok",
    "want_insurance": True,
    "want_card": False,
    "mother_insured": False,
}

# A Tuesday before the National Day holiday (2026-10-01…07, with Saturday 10-10 worked).
RECEIVED = dt.date(2026, 9, 29)


def pdf(label: str = "") -> bytes:
    """A PDF whose bytes (and so hash) differ by `label`."""
    return PDF + f"% {uuid.uuid4().hex} {label}\n".encode()


def ofd(with_entry: bool = True) -> bytes:
    """A minimal OFD package (GB/T 33190): a ZIP whose root holds OFD.xml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        if with_entry:
            package.writestr(
                "OFD.xml",
                '<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org'
                '/2016" DocType="OFD" Version="1.0"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml'
                "</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
            )
        package.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    return buffer.getvalue()


def make_staff(username: str, role: str, *, department: str = "", town: str = "") -> User:
    """A staff account the demo district does not have (e.g. a clerk of 区市场监管局)."""
    fields = {"display_name": username, "role": role}
    if department:
        fields["department"] = Department.objects.get(code=department)
    if town:
        fields["town"] = Region.objects.get(
            level=Region.Level.TOWN, name=town, valid_to__isnull=True
        )
    user = User(username=username, **fields)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def make_person(username: str, id_number: str, name: str = "") -> User:
    user = User(username=username, role=Role.PERSON, id_number=id_number, display_name=name)
    user.save()
    return user


def sample_value(field, id_number: str = ""):
    if field.kind == "date":
        return (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    if field.kind == "single":
        return field.options[0][0]
    if field.kind == "yesno":
        return "no"
    if field.kind == "number":
        return "30"
    if field.kind == "phone":
        return "13800000000"
    if field.kind == "id_number":
        return id_number or "43012219730213019X"
    return f"测试{field.label}"[:40]


def answers_for(form, *, id_number: str = "", **overrides) -> dict:
    """A valid answer for every field of the form; registry values where prefilled."""
    answers = {}
    for field in form.all_fields:
        if field.value is not None:
            answers[field.key] = field.value
        else:
            answers[field.key] = sample_value(field, id_number)
    answers.update(overrides)
    return answers


def files_for(form, *, skip=()) -> dict:
    """One PDF for every material the applicant has to upload."""
    return {
        m.name: [(f"{m.name}.pdf", pdf(m.name))]
        for m in form.materials
        if not m.supplied_by and m.name not in skip
    }


def draft(actor, *, code: str = "", bundle: str = "", guidance=None, on_behalf=None):
    if bundle:
        return services.draft_for(
            actor,
            bundle=Bundle.objects.get(slug=bundle),
            answers=guidance if guidance is not None else BIRTH_ANSWERS,
            on_behalf=on_behalf,
        )
    return services.draft_for(actor, handling_code=code, on_behalf=on_behalf)


def submit(
    actor,
    *,
    code: str = "",
    bundle: str = "",
    guidance=None,
    on_behalf=None,
    consent: str = "",
    fields: dict | None = None,
    files: dict | None = None,
    skip_files=(),
    commitments=(),
    delivery: str = Application.Delivery.ELECTRONIC,
    key: str = "",
    guidance_session_id=None,
) -> Application:
    """Apply for one handling item (`code`) or a bundle, filling in everything required."""
    the_draft = draft(actor, code=code, bundle=bundle, guidance=guidance, on_behalf=on_behalf)
    id_number = (on_behalf or {}).get("id_number") or actor.id_number
    submission = services.Submission(
        answers=answers_for(the_draft.form, id_number=id_number, **(fields or {})),
        files=files if files is not None else files_for(the_draft.form, skip=skip_files),
        commitments=list(commitments),
        delivery_method=delivery,
        guidance_session_id=guidance_session_id,
    )
    application, created = services.submit_application(
        actor=actor,
        draft=the_draft,
        submission=submission,
        idempotency_key=key or uuid.uuid4().hex,
        consent=consent,
    )
    assert created
    return application


def received_on(application_or_case, day: dt.date = RECEIVED) -> None:
    """Set the receipt date of a submitted case (or of every case of an application), so the
    working-day arithmetic of a test does not depend on the day it runs."""
    if isinstance(application_or_case, Application):
        cases = Case.objects.filter(application=application_or_case)
    else:
        cases = Case.objects.filter(pk=application_or_case.pk)
    cases.update(received_on=day)


def only_case(application: Application) -> Case:
    cases = list(application.cases.all())
    assert len(cases) == 1, cases
    return cases[0]


def act(case: Case, action: str, actor, today: dt.date, files=None, **data) -> Case:
    return services.perform(
        case_id=case.pk, action=action, actor=actor, data=data, today=today, files=files
    )
