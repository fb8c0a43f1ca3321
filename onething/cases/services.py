"""Every state change of applications and cases: validation, permission, one transaction, an
audit record, a timeline event, the formal notice and the applicant's notification.

Concurrency: each case carries a `version`; a transition writes with a conditional UPDATE on the
version it read (or the one the caller saw), so of two staff acting at once exactly one wins and
the other gets Conflict (HTTP 409, "已被他人处理") — the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch
from django.utils import timezone

from onething.catalog.models import HandlingItem, Material, ServiceItem
from onething.core.errors import Conflict, NotAllowed, NotFound, ServiceError, required_text
from onething.core.models import Region, Role
from onething.core.notifications import notify
from onething.core.services import load_calendar, record_audit

from . import applying, clock, uploads
from .models import (
    Application,
    Case,
    CaseEvent,
    CaseMaterial,
    CommitmentVerification,
    Notice,
    Sequence,
    Upload,
)
from .signals import case_ended
from .workflow import (
    APPLICANT,
    DECIDER,
    SYSTEM,
    TERMINAL,
    TRANSITIONS,
    UNDECIDED,
    State,
    Transition,
)

CONFLICT_MESSAGE = "该办件已被他人处理，请刷新后查看最新状态"
DEFAULT_REMEDIES = (
    "如不服本决定，可以自收到本决定书之日起六十日内依法向长沙市望城区人民政府申请行政复议，"
    "或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"
)
PROCEDURES = {
    "hearing": "听证",
    "testing": "检验检测",
    "expert": "专家评审",
    "survey": "现场勘验",
    "appraisal": "鉴定",
    "quarantine": "检疫",
    "tendering": "招标、拍卖",
}
DELIVERY_LABELS = dict(Application.Delivery.choices)
_DECIDERS = (Role.REVIEWER, Role.DEPARTMENT_ADMIN)
_STAFF = (Role.CLERK, Role.REVIEWER, Role.DEPARTMENT_ADMIN)


def setting(key: str, default):
    """A district setting (core.district_settings) with a fallback while it is not declared."""
    try:
        from onething.core.district_settings import get_setting
    except ImportError:  # pragma: no cover - the settings table arrives with the core module
        return default
    try:
        return get_setting(key)
    except KeyError:
        return default


def pre_review_days() -> int:
    return int(setting("cases.pre_review_days", 1))


def yellow_days() -> int:
    return int(setting("cases.yellow_days", 2))


# --- Reading ---------------------------------------------------------------------------------


def clock_of(case: Case) -> clock.Clock:
    return clock.Clock(
        state=case.state,
        received_on=case.received_on,
        accepted_on=case.accepted_on,
        decided_on=case.decided_on,
        statutory_days=case.statutory_days,
        statutory_unit=case.statutory_unit,
        promised_days=case.promised_days,
        promised_unit=case.promised_unit,
        extension_days=case.extension_days,
        pauses=tuple(
            clock.Pause(
                p["kind"],
                dt.date.fromisoformat(p["start"]),
                dt.date.fromisoformat(p["end"]) if p.get("end") else None,
            )
            for p in case.pauses
        ),
    )


@dataclass
class CaseStatus:
    """A case's deadlines and warning as of today, for pages and the API."""

    deadlines: clock.Deadlines
    warning: str

    @property
    def warning_label(self) -> str:
        return clock.WARNING_LABELS[self.warning]


@dataclass(frozen=True)
class Limits:
    """The district settings a deadline needs, read once per request."""

    pre_review_days: int
    yellow_days: int

    @classmethod
    def current(cls) -> Limits:
        return cls(pre_review_days(), yellow_days())


def status_of(
    case: Case, *, today: dt.date | None = None, calendar=None, limits: Limits | None = None
) -> CaseStatus:
    calendar = calendar or load_calendar()
    today = today or timezone.localdate()
    limits = limits or Limits.current()
    found = clock.deadlines(
        clock_of(case), calendar, today=today, pre_review_days=limits.pre_review_days
    )
    if case.state in TERMINAL:
        return CaseStatus(found, clock.DONE)
    return CaseStatus(found, found.warning(calendar, today, limits.yellow_days))


def warning_bounds(today: dt.date | None = None, calendar=None) -> tuple[dt.date, dt.date]:
    """(last green-free day, today): a running case is red when due_on < today and yellow when
    due_on ≤ the first bound. Lets the workbench filter warnings in the database."""
    calendar = calendar or load_calendar()
    today = today or timezone.localdate()
    from onething.core import workdays

    return workdays.add_working_days(calendar, today, yellow_days()).due, today


def actions_for(case: Case, user) -> list[Transition]:
    """The actions `user` may take on `case` now (what the detail page offers)."""
    return [
        t
        for t in TRANSITIONS.values()
        if case.state in t.sources and t.actor != SYSTEM and _may(user, case, t)
    ]


def _may(user, case: Case, transition: Transition) -> bool:
    if not user.is_authenticated:
        return False
    if transition.actor == APPLICANT:
        application = case.application
        if user.pk in (application.applicant_user_id, application.submitted_by_id):
            return True
        return user.is_applicant and Case.objects.visible_to(user).filter(pk=case.pk).exists()
    if user.role not in _STAFF:
        return False
    own = (user.department_id and user.department_id == case.department_id) or (
        user.town_id and user.town_id == case.town_id
    )
    if not own:
        return False
    if transition.action == "revoke":
        return user.role in _DECIDERS or bool(case.town_id)
    if transition.actor == DECIDER:
        return user.role in _DECIDERS or bool(case.town_id)
    return True


# --- Numbers ---------------------------------------------------------------------------------


def next_in_sequence(key: str) -> int:
    """The next number of a series; the row lock serialises concurrent writers."""
    Sequence.objects.get_or_create(key=key)
    Sequence.objects.filter(key=key).update(value=F("value") + 1)
    return Sequence.objects.filter(key=key).values_list("value", flat=True).get()


NOTICE_MARKS = {
    "acceptance": "受",
    "correction": "补",
    "refusal": "不受",
    "approval": "许",
    "denial": "不许",
    "extension": "延",
    "special": "特",
    "revocation": "撤",
}
UNIT_MARKS = {"XZSP": "审"}


def unit_mark(case: Case) -> str:
    """The issuing unit's one-character mark in a document number: 望审受〔2026〕123号."""
    if case.department_id:
        department = case.department
        if department.code in UNIT_MARKS:
            return UNIT_MARKS[department.code]
        return department.name.removeprefix("区").removeprefix("望城")[:1]
    return case.town.name[:1] if case.town_id else "办"


def notice_number(case: Case, kind: str, year: int) -> str:
    unit = case.department.code if case.department_id else f"T{case.town.code}"
    n = next_in_sequence(f"notice:{unit}:{kind}:{year}")
    return f"望{unit_mark(case)}{NOTICE_MARKS[kind]}〔{year}〕{n}号"


# --- Submitting ------------------------------------------------------------------------------


@dataclass
class Applicant:
    kind: str  # person / enterprise
    code: str
    name: str
    phone: str
    user: object | None
    person: object | None
    enterprise: object | None


@dataclass
class Draft:
    """What an application would contain: its handling items, its merged form, its applicant."""

    applicant: Applicant
    handling_items: list[HandlingItem]
    form: applying.ApplicationForm
    bundle: object | None = None
    answers: dict = field(default_factory=dict)
    consent: str = ""  # assisted service: how the applicant agreed


def _registry_person(id_number: str):
    from onething.registries.models import Person

    return (
        Person.objects.select_related("household_community__parent")
        .filter(id_number=id_number)
        .first()
    )


def applicant_for(actor, on_behalf: dict | None = None) -> Applicant:
    """The applicant: the signed-in person or enterprise, or — for assisted service — the person
    a clerk submits for, found in the population registry."""
    from onething.registries.models import Enterprise

    if on_behalf:
        if actor.role not in _STAFF:
            raise NotAllowed("只有窗口工作人员可以帮代办")
        id_number = str(on_behalf.get("id_number", "")).strip().upper()
        consent = str(on_behalf.get("consent", "")).strip()
        errors = {}
        if not consent:
            errors["consent"] = "请记录申请人同意代办的方式（如：本人当面签字确认）"
        person = _registry_person(id_number) if id_number else None
        if person is None:
            errors["id_number"] = "人口库中没有这个身份证号码"
        if errors:
            raise ServiceError("帮代办信息不完整", fields=errors)
        from django.contrib.auth import get_user_model

        account = (
            get_user_model().objects.filter(role=Role.PERSON, id_number=person.id_number).first()
        )
        return Applicant(
            "person", person.id_number, person.name, person.phone, account, person, None
        )
    if not actor.is_authenticated or not actor.is_applicant:
        raise NotAllowed("请以个人或企业账号登录后申请")
    person = _registry_person(actor.id_number) if actor.id_number else None
    if actor.role == Role.ENTERPRISE:
        enterprise = Enterprise.objects.filter(credit_code=actor.credit_code).first()
        name = enterprise.name if enterprise else str(actor)
        return Applicant(
            "enterprise", actor.credit_code, name, actor.phone, actor, person, enterprise
        )
    name = person.name if person else str(actor)
    return Applicant("person", actor.id_number, name, actor.phone, actor, person, None)


def _handling_items(codes: list[str]) -> list[HandlingItem]:
    rows = {
        h.code: h
        for h in HandlingItem.objects.filter(code__in=codes)
        .select_related("item__department", "item__region__parent", "item__current_version")
        .prefetch_related(Prefetch("materials", queryset=Material.objects.order_by("sort_order")))
    }
    missing = [c for c in codes if c not in rows]
    if missing:
        raise NotFound(f"没有编码为 {'、'.join(missing)} 的业务办理项")
    return [rows[c] for c in codes]


def draft_for(
    actor, *, handling_code: str = "", bundle=None, answers: dict | None = None,
    on_behalf: dict | None = None,
) -> Draft:  # fmt: skip
    """The form an applicant fills in for one handling item or for a bundle's guidance result."""
    applicant = applicant_for(actor, on_behalf)
    needs = None
    if bundle is not None:
        from onething.bundles.runner import run_guidance

        _, result = run_guidance(bundle, answers or {}, applicant.user)
        if not result.complete:
            raise ServiceError("导办问卷尚未答完，请先完成问卷", fields={"answers": "问卷尚未答完"})
        if not result.items:
            raise ServiceError("按您的回答，没有需要申请的事项")
        codes = [m.code for m in result.items]
        code_of = {m.name: m.code for m in result.items}
        needs = {code: set() for code in codes}
        for material in result.materials + result.exempt:
            for name in material.needed_by:  # member names
                if name in code_of:
                    needs[code_of[name]].add(material.name)
        items = _handling_items(codes)
    else:
        items = _handling_items([handling_code])
    audience = {applicant.kind}
    for handling in items:
        item = handling.item
        serves = {"person"} if item.for_person else set()
        serves |= {"enterprise"} if item.for_enterprise else set()
        if not serves & audience:
            who = "个人" if applicant.kind == "person" else "企业"
            raise ServiceError(f"“{item.name}”不面向{who}申请")
        if item.current_version_id is None:
            raise ServiceError(f"“{item.name}”尚未发布，不能申请")
    form = applying.build_form(
        items,
        kind=applicant.kind,
        person=applicant.person,
        enterprise=applicant.enterprise,
        user=applicant.user,
        needs=needs,
    )
    consent = str((on_behalf or {}).get("consent", "")).strip()
    return Draft(applicant, items, form, bundle, dict(answers or {}), consent)


def commitment_barred(applicant: Applicant) -> str:
    """Why the applicant may not choose commitment-based approval, or "" (国办发〔2020〕42号:
    not for those with a serious dishonesty record or a past false commitment until repaired)."""
    from onething.registries.models import CreditRecord

    record = CreditRecord.objects.barring().filter(subject_code=applicant.code).first()
    if record is not None:
        kind = record.get_kind_display()
        return f"存在未修复的信用记录（{kind}：{record.reason}），暂不能选择告知承诺制"
    if applicant.enterprise is not None and applicant.enterprise.tax_credit_rating == "D":
        return "纳税信用等级为D级，暂不能选择告知承诺制"
    return ""


def _payload_hash(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Submission:
    """What an applicant sends: form answers, files per material (new files as (name, bytes),
    or ids of files uploaded earlier), the handling items they sign a commitment for, delivery."""

    answers: dict = field(default_factory=dict)
    files: dict[str, list[tuple[str, bytes]]] = field(default_factory=dict)
    upload_ids: dict[str, list[int]] = field(default_factory=dict)
    commitments: list[str] = field(default_factory=list)
    delivery_method: str = Application.Delivery.ELECTRONIC
    delivery_address: str = ""
    guidance_session_id: int | None = None


def submit_application(
    *, actor, draft: Draft, submission: Submission, idempotency_key: str,
    consent: str = "", request=None,
) -> tuple[Application, bool]:  # fmt: skip
    """Create the application and all its cases in one transaction. The same idempotency key
    from the same submitter returns the first application (created=False) and changes nothing."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > 80:
        raise ServiceError(
            "缺少幂等键（Idempotency-Key），或超过80个字符", fields={"idempotency_key": "必填"}
        )
    payload = {
        "items": [h.code for h in draft.handling_items],
        "bundle": draft.bundle.slug if draft.bundle else "",
        "applicant": draft.applicant.code,
        "answers": submission.answers,
        "files": {
            name: sorted(hashlib.sha256(data).hexdigest() for _, data in files)
            for name, files in submission.files.items()
        },
        "uploads": submission.upload_ids,
        "commitments": sorted(submission.commitments),
        "delivery": [submission.delivery_method, submission.delivery_address],
    }
    consent = (consent or draft.consent or "").strip()
    if actor.role in _STAFF and not consent:
        raise ServiceError(
            "帮代办须记录申请人同意代办的方式",
            fields={"consent": "请记录申请人同意代办的方式（如：本人当面签字确认）"},
        )
    digest = _payload_hash(payload)
    existing = _replay(actor, key, digest)
    if existing is not None:
        return existing, False

    form = draft.form
    answers, errors = applying.parse_answers(form, submission.answers)
    if submission.delivery_method not in Application.Delivery.values:
        errors["delivery_method"] = "送达方式应为电子送达、窗口领取或邮寄送达"
    if (
        submission.delivery_method == Application.Delivery.EXPRESS
        and not (submission.delivery_address or "").strip()
    ):
        errors["delivery_address"] = "选择邮寄送达的，请填写邮寄地址"

    committed = set(submission.commitments)
    offered = {c["code"]: c for c in form.commitments}
    unknown = committed - set(offered)
    if unknown:
        errors["commitments"] = "所选事项不适用告知承诺制"
    if committed and not unknown:
        barred = commitment_barred(draft.applicant)
        if barred:
            errors["commitments"] = barred

    # Materials: uploaded now, uploaded earlier, supplied, waived by commitment, or missing.
    earlier = _earlier_uploads(actor, submission.upload_ids, errors)
    total = sum(u.size for u in earlier.values())
    if total > uploads.max_application_bytes():
        limit = uploads.max_application_bytes() // 1024 // 1024
        errors["materials"] = f"本次申请的文件合计超过 {limit} MB 的上限"
    provided: dict[str, str] = {}
    for row in form.materials:
        has_file = bool(submission.files.get(row.name)) or bool(submission.upload_ids.get(row.name))
        waived = bool(set(row.commitment_by) & committed)
        if row.supplied_by:
            provided[row.name] = row.supplied_by
        elif has_file:
            provided[row.name] = "uploaded"
        elif waived:
            provided[row.name] = "commitment"
        elif row.required:
            errors[f"materials.{row.name}"] = f"请上传“{row.name}”"
        else:
            provided[row.name] = "missing"
    known = {row.name for row in form.materials}
    for name in list(submission.files) + list(submission.upload_ids):
        if name not in known:
            errors[f"materials.{name}"] = f"本申请不需要“{name}”"
    for name, files in submission.files.items():
        for original, data in files:
            try:
                uploads.check_file(original, data, already=total)
            except ServiceError as exc:
                errors[f"materials.{name}"] = exc.message
            total += len(data)
    if errors:
        raise ServiceError(f"申请有 {len(errors)} 处需要修改", fields=errors)

    stored: list[tuple[str, uploads.StoredFile]] = []
    try:
        for name, files in submission.files.items():
            for original, data in files:
                stored.append((name, uploads.store(original, data)))
        with transaction.atomic():
            application = _create(
                actor=actor, draft=draft, submission=submission, answers=answers,
                provided=provided, stored=stored, earlier=earlier, committed=committed,
                key=key, digest=digest, consent=consent, request=request,
            )  # fmt: skip
    except IntegrityError:
        for _, file in stored:
            uploads.discard(file.stored_name)
        existing = _replay(actor, key, digest)
        if existing is None:
            raise
        return existing, False
    except BaseException:
        for _, file in stored:
            uploads.discard(file.stored_name)
        raise
    return application, True


def _replay(actor, key: str, digest: str) -> Application | None:
    existing = Application.objects.filter(submitted_by=actor, idempotency_key=key).first()
    if existing is not None and existing.request_hash != digest:
        raise Conflict(
            "这个幂等键已用于另一份内容不同的申请，请使用新的幂等键",
            code="idempotency_key_reused",
        )
    return existing


def _earlier_uploads(actor, upload_ids: dict, errors: dict) -> dict[int, Upload]:
    ids = {int(i) for ids in upload_ids.values() for i in ids}
    found = {
        u.pk: u for u in Upload.objects.filter(pk__in=ids, owner=actor, application__isnull=True)
    }
    for name, ids_of in upload_ids.items():
        if any(int(i) not in found for i in ids_of):
            errors[f"materials.{name}"] = "上传的文件不存在或已用于其他申请"
    return found


def _route(item: ServiceItem) -> tuple[int | None, int | None]:
    """(department id, town id) that handles cases of `item`: its department, or for a town's
    or community's own item, the town."""
    if item.department_id:
        return item.department_id, None
    region = item.region
    if region.level == Region.Level.TOWN:
        return None, region.pk
    if region.parent_id and region.parent.level == Region.Level.TOWN:
        return None, region.parent_id
    return None, None


def _facts_for(handling: HandlingItem, applicant: Applicant, answers: dict) -> tuple[dict, object]:
    from onething.bundles.selectors import facts_of
    from onething.catalog.approval import approval_catalog
    from onething.rules.catalogs import ENTERPRISE, PERSON

    audience = [a for a, on in (("person", handling.item.for_person),
                                ("enterprise", handling.item.for_enterprise)) if on]  # fmt: skip
    catalog = approval_catalog(handling.form_fields or [], audience)
    facts: dict = {}
    if applicant.person is not None and "person" in audience:
        facts.update(facts_of(applicant.person, PERSON))
    if applicant.enterprise is not None and "enterprise" in audience:
        facts.update(facts_of(applicant.enterprise, ENTERPRISE))
    for spec in handling.form_fields or []:
        value = answers.get(spec["key"])
        if value is not None and spec["kind"] == "date":
            value = dt.date.fromisoformat(value)
        facts[spec["key"]] = value
    facts = {k: v for k, v in facts.items() if k in catalog.facts}
    return facts, catalog


def _rule_facts(rule) -> list[str]:
    names: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "fact" in node and node["fact"] not in names:
                names.append(node["fact"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(rule)
    return names


def instant_check(handling: HandlingItem, applicant: Applicant, answers: dict) -> dict | None:
    """Evaluate the item's instant-approval rule: the record of what was checked, with the
    result "true" / "false" / "unknown"; None when the item has no rule."""
    if not handling.approval_rule:
        return None
    from onething.rules import describe, evaluate, explain

    facts, catalog = _facts_for(handling, applicant, answers)
    rule = handling.approval_rule
    result = evaluate(rule, facts, catalog)
    checked = []
    for name in _rule_facts(rule):
        fact = catalog.facts.get(name)
        value = facts.get(name)
        if isinstance(value, set):
            value = sorted(value)
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif value is not None and not isinstance(value, (bool, int, float, str)):
            value = str(value)
        checked.append(
            {
                "fact": name,
                "label": fact.label if fact else name,
                "source": "申请表" if fact and fact.source == "answer" else "基础库",
                "value": value,
            }
        )
    return {
        "result": {True: "true", False: "false", None: "unknown"}[result],
        "rule": describe(rule, catalog),
        "explanation": explain(rule, facts, catalog),
        "facts": checked,
        "checked_at": timezone.now().isoformat(),
    }


def _create(*, actor, draft, submission, answers, provided, stored, earlier, committed, key,
            digest, consent, request) -> Application:  # fmt: skip
    now = timezone.now()
    today = timezone.localdate(now)
    calendar = load_calendar()
    applicant = draft.applicant
    assisted = actor.role in _STAFF
    application = Application.objects.create(
        number=f"SQ{today.year}-{next_in_sequence(f'application:{today.year}'):07d}",
        applicant_kind=applicant.kind,
        applicant_code=applicant.code,
        applicant_name=applicant.name,
        applicant_phone=answers.get("applicant_phone") or applicant.phone or "",
        applicant_user=applicant.user,
        submitted_by=actor,
        channel=Application.Channel.ASSISTED if assisted else Application.Channel.ONLINE,
        consent=consent[:300],
        bundle=draft.bundle,
        bundle_version=draft.bundle.current_version if draft.bundle else None,
        guidance_answers=draft.answers if draft.bundle else {},
        form_data=answers,
        prefill_sources={f.key: f.source for f in draft.form.all_fields if f.source},
        delivery_method=submission.delivery_method,
        delivery_address=(submission.delivery_address or "").strip()[:200],
        submitted_at=now,
        idempotency_key=key,
        request_hash=digest,
    )
    upload_rows: dict[str, list[Upload]] = {}
    for name, file in stored:
        row = Upload.objects.create(
            owner=actor,
            application=application,
            original_name=file.original_name,
            stored_name=file.stored_name,
            kind=file.kind,
            size=file.size,
            sha256=file.sha256,
        )
        upload_rows.setdefault(name, []).append(row)
    for name, ids in submission.upload_ids.items():
        for i in ids:
            row = earlier[int(i)]
            row.application = application
            row.save(update_fields=["application"])
            upload_rows.setdefault(name, []).append(row)

    offered = {c["code"]: c for c in draft.form.commitments}
    materials_by_code: dict[str, list[applying.MaterialRow]] = {}
    for row in draft.form.materials:
        for code in row.needed_by:
            materials_by_code.setdefault(code, []).append(row)
    actor_name = str(actor)
    if assisted:
        actor_name = f"{actor}（{actor.unit_name}，帮代办）"
    for handling in draft.handling_items:
        item = handling.item
        department_id, town_id = _route(item)
        case = Case(
            application=application,
            number=f"WC{today.year}-{next_in_sequence(f'case:{today.year}'):07d}",
            handling_item=handling,
            item=item,
            item_version_id=item.current_version_id,
            department_id=department_id,
            town_id=town_id,
            state=State.SUBMITTED,
            submitted_at=now,
            received_on=today,
            case_type=item.case_type,
            statutory_days=item.statutory_days,
            statutory_unit=item.statutory_unit,
            promised_days=item.promised_days,
            promised_unit=item.promised_unit,
        )
        check = instant_check(handling, applicant, answers)
        commitment = offered.get(handling.code) if handling.code in committed else None
        set_route(case, check, commitment, today, now)
        _refresh_due(case, calendar, today)
        case.save()
        for row in materials_by_code.get(handling.code, []):
            status = provided.get(row.name, "missing")
            if status == "commitment" and handling.code not in committed:
                status = "missing"
            files = upload_rows.get(row.name, []) if status == "uploaded" else [None]
            for upload in files:
                CaseMaterial.objects.create(
                    case=case, name=row.name, required=row.required, status=status,
                    upload=upload,
                )  # fmt: skip
        who = f"{actor_name}代{applicant.name}" if assisted else actor_name
        _event(case, actor, actor_name, "submit", "", State.SUBMITTED,
               f"{who}提交了申请，{case.unit_name}已收件", now,
               {"consent": consent} if assisted else {})  # fmt: skip
        if case.route == Case.Route.INSTANT:
            _event(case, None, "系统", "instant-approve", State.SUBMITTED, State.CONCLUDED,
                   "符合秒批条件，系统自动核验通过，已准予并办结", now,
                   {"check": check})  # fmt: skip
            _issue(case, "approval", now, {"basis": "秒批规则：" + check["rule"]})
            case_ended.send(sender=Case, case=case, now=now)
        elif case.route == Case.Route.COMMITMENT:
            verification = CommitmentVerification.objects.create(
                case=case,
                commitment_text=commitment["text"],
                waived=commitment["waives"],
                method=commitment["method"],
                due_on=clock.add_limit(calendar, today, commitment["verify_days"],
                                       clock.WORKING_DAY).due,
            )  # fmt: skip
            _event(case, actor, actor_name, "commitment-approve", State.SUBMITTED, State.APPROVED,
                   f"申请人签署告知承诺书，当场准予；{verification.due_on:%Y年%m月%d日}前完成"
                   f"{verification.method}", now,
                   {"waived": commitment["waives"]})  # fmt: skip
            _issue(case, "approval", now, {"basis": "告知承诺制（国办发〔2020〕42号）"})
    if submission.guidance_session_id and draft.bundle is not None:
        from onething.bundles.models import GuidanceSession

        GuidanceSession.objects.filter(
            pk=submission.guidance_session_id, bundle=draft.bundle, converted_at__isnull=True
        ).update(converted_at=now)
    _after_change(application, actor, now)
    record_audit(
        actor=actor, action="提交申请", obj=application,
        after={"number": application.number, "cases": application.cases.count(),
               "channel": application.channel},
        request=request,
    )  # fmt: skip
    _notify(application, f"您的申请 {application.number} 已提交",
            f"{application.title}：已提交，共 {application.cases.count()} 个办件，"
            "进度可在“我的申请”查看。")  # fmt: skip
    return application


# --- Handling --------------------------------------------------------------------------------


def set_route(case: Case, check: dict | None, commitment: dict | None, today, now) -> None:
    """The route a new case takes: 秒批 when the instant check holds (approved and concluded at
    submission), 告知承诺 when the applicant made the item's commitment (approved at once),
    otherwise the normal one. The check is recorded either way."""
    if check is not None:
        case.facts_checked = [check]
    if check is not None and check["result"] == "true":
        case.route = Case.Route.INSTANT
        case.state = State.CONCLUDED
        case.accepted_on = case.decided_on = today
        case.decision = Case.Decision.APPROVED
        case.concluded_at = now
    elif commitment is not None:
        case.route = Case.Route.COMMITMENT
        case.state = State.APPROVED
        case.accepted_on = case.decided_on = today
        case.decision = Case.Decision.APPROVED


def _refresh_due(case: Case, calendar, today: dt.date) -> None:
    found = clock.deadlines(
        clock_of(case), calendar, today=today, pre_review_days=pre_review_days()
    )
    case.due_on = None if case.state in TERMINAL else found.step_due


def _event(case, actor, actor_name, action, from_state, to_state, message, at, data=None):
    return CaseEvent.objects.create(
        case=case, at=at, actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=actor_name, action=action, from_state=from_state, to_state=to_state,
        message=message[:500], data=data or {},
    )  # fmt: skip


def _issue(case: Case, kind: str, at, extra: dict) -> Notice:
    """Number and record a formal notice; its PDF is rendered from this context on download."""
    application = case.application
    item = case.item
    context = {
        "unit": case.department.full_name if case.department_id else f"望城区{case.town.name}",
        "applicant": application.applicant_name,
        "applicant_code": application.applicant_code,
        "application_number": application.number,
        "case_number": case.number,
        "item": item.name,
        "item_kind": item.kind.code,
        "handling_item": case.handling_item.name,
        "received_on": case.received_on.isoformat(),
        "accepted_on": case.accepted_on.isoformat() if case.accepted_on else "",
        "decided_on": case.decided_on.isoformat() if case.decided_on else "",
        "issued_on": timezone.localdate(at).isoformat(),
        "legal_basis": item.legal_basis,
        "statutory_days": case.statutory_days,
        "promised_days": case.promised_days,
        "phone": item.phone,
        **extra,
    }
    if "statutory_due" not in context and case.state not in (State.SUBMITTED, State.CORRECTION):
        found = status_of(case, today=timezone.localdate(at)).deadlines
        context["statutory_due"] = found.statutory_due.isoformat() if found.statutory_due else ""
        context["promised_due"] = found.promised_due.isoformat() if found.promised_due else ""
    return Notice.objects.create(
        case=case,
        kind=kind,
        number=notice_number(case, kind, timezone.localdate(at).year),
        issued_at=at,
        context=context,
    )


def _notify(application: Application, title: str, body: str) -> None:
    """Tell the applicant (in-app inbox; SMS and e-mail through the outbox), in this
    transaction."""
    from django.contrib.auth import get_user_model

    users = {u.pk: u for u in [application.applicant_user] if u is not None}
    if application.applicant_kind == "person":
        for user in get_user_model().objects.filter(
            role=Role.PERSON, id_number=application.applicant_code
        ):
            users.setdefault(user.pk, user)
    for user in users.values():
        notify(user, title=title[:100], body=body, link=f"/my/applications/{application.pk}/")


def _after_change(application: Application, actor, now) -> None:
    """Deliver electronically once every case is decided (one delivery for a bundle), and
    conclude the application when all its cases have concluded."""
    cases = list(application.cases.select_for_update().order_by("id"))
    states = {c.state for c in cases}
    if (
        application.delivery_method == Application.Delivery.ELECTRONIC
        and not states & UNDECIDED
        and states & {State.APPROVED, State.DENIED}
    ):
        _deliver_all(application, cases, None, "系统", now, {"method": "electronic"})
        states = {c.state for c in cases}
    if states <= set(TERMINAL) and application.status == Application.Status.OPEN:
        application.status = (
            Application.Status.WITHDRAWN
            if states == {State.WITHDRAWN}
            else Application.Status.CONCLUDED
        )
        application.concluded_at = now
        application.save(update_fields=["status", "concluded_at"])
        _notify(application, f"您的申请 {application.number} 已办结",
                f"{application.title}：已全部办结，可在“我的申请”下载文书。")  # fmt: skip


def _deliver_all(application, cases, actor, actor_name, now, data) -> None:
    method = data["method"]
    label = DELIVERY_LABELS[method]
    detail = f"，快递单号 {data['tracking']}" if data.get("tracking") else ""
    for case in cases:
        if case.state not in (State.APPROVED, State.DENIED):
            continue
        before = case.state
        updated = Case.objects.filter(pk=case.pk, version=case.version).update(
            state=State.CONCLUDED, concluded_at=now, due_on=None, version=F("version") + 1,
            updated_at=now,
        )  # fmt: skip
        if not updated:
            raise Conflict(CONFLICT_MESSAGE)
        case.state, case.concluded_at, case.version = State.CONCLUDED, now, case.version + 1
        _event(case, actor, actor_name, "deliver", before, State.CONCLUDED,
               f"审批结果已{label}{detail}，办件办结", now, data)  # fmt: skip
        case_ended.send(sender=Case, case=case, now=now)
    application.delivery_method = method
    application.delivery_tracking = data.get("tracking", "")[:40]
    if data.get("address"):
        application.delivery_address = data["address"][:200]
    application.delivered_at = now
    application.save(
        update_fields=["delivery_method", "delivery_tracking", "delivery_address", "delivered_at"]
    )


def deem_accept_due(today: dt.date | None = None) -> int:
    """Accept every case whose correction window (5 working days from receipt) has passed with
    no correction notice: it counts as accepted from receipt (行政许可法 第三十二条)."""
    today = today or timezone.localdate()
    calendar = load_calendar()
    count = 0
    for case in Case.objects.filter(state=State.SUBMITTED).select_related("application"):
        if today > clock.correction_deadline(calendar, case.received_on):
            try:
                perform(case_id=case.pk, action="deem-accept", actor=None, data={}, today=today)
                count += 1
            except Conflict:
                continue
    return count


def _check_inputs(transition: Transition, case: Case, data: dict) -> dict:
    """The action's inputs, cleaned; ServiceError listing every problem."""
    errors, clean = {}, {}

    def text(name, label, limit=1000):
        clean[name] = required_text(data, name, label, errors, limit)

    if transition.action == "request-correction":
        problems = data.get("problems")
        if isinstance(problems, str):
            problems = [{"item": line.strip(), "problem": ""} for line in problems.splitlines()]
        if not isinstance(problems, list):
            problems = []
        cleaned = []
        for p in problems:
            if isinstance(p, dict) and str(p.get("item") or "").strip():
                cleaned.append(
                    {"item": str(p["item"]).strip()[:200],
                     "problem": str(p.get("problem") or "").strip()[:300]}
                )  # fmt: skip
        if not cleaned:
            errors["problems"] = "请一次性列明需要补正的全部材料或内容，至少一项"
        clean["problems"] = cleaned
    if "reasons" in transition.needs:
        text("reasons", "理由")
        remedies = str(data.get("remedies") or "").strip() or DEFAULT_REMEDIES
        clean["remedies"] = remedies[:500]
    if transition.action == "suspend":
        procedure = data.get("procedure")
        if procedure not in PROCEDURES:
            errors["procedure"] = "特别程序应为：" + "、".join(PROCEDURES.values())
        clean["procedure"] = procedure
        text("reason", "原因", 500)
        try:
            days = int(data.get("expected_days"))
            if not 1 <= days <= 365:
                raise ValueError
        except (TypeError, ValueError):
            errors["expected_days"] = "预计所需时间应为1至365之间的整数（日）"
            days = 0
        clean["expected_days"] = days
    if transition.action == "extend":
        text("reason", "延长理由", 500)
        if case.extension_days:
            errors["reason"] = "审查期限只能延长一次（行政许可法第四十二条）"
    if transition.action == "deliver":
        method = data.get("method")
        if method not in Application.Delivery.values:
            errors["method"] = "送达方式应为电子送达、窗口领取或邮寄送达"
        clean["method"] = method
        clean["tracking"] = str(data.get("tracking") or "").strip()
        clean["address"] = str(data.get("address") or "").strip()
        if method == Application.Delivery.EXPRESS and not clean["tracking"]:
            errors["tracking"] = "邮寄送达请填写快递单号"
    if transition.action in ("withdraw", "approve", "review", "accept", "resume"):
        clean["note"] = str(data.get("note") or "").strip()[:300]
    if transition.action == "revoke":
        text("finding", "核查结论", 500)
    if errors:
        raise ServiceError(f"{transition.label}：有 {len(errors)} 处需要填写或修改", fields=errors)
    return clean


def perform(
    *, case_id: int, action: str, actor, data: dict | None = None,
    expected_version: int | None = None, files: dict | None = None,
    upload_ids: dict | None = None,
    today: dt.date | None = None, request=None,
) -> Case:  # fmt: skip
    """Take `action` on a case. Raises NotFound (not visible), NotAllowed (not this user's to
    take), ServiceError (not allowed in this state — the message lists what is — or bad input),
    Conflict (someone else changed the case first)."""
    data = dict(data or {})
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise NotFound(f"没有“{action}”这个办件操作")
    system = actor is None
    if system and transition.actor != SYSTEM:
        raise NotAllowed("系统不能执行该操作")
    query = Case.objects.all() if system else Case.objects.visible_to(actor)
    case = (
        query.select_related("application", "department", "town", "item", "handling_item")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound("办件不存在或无权查看")
    if expected_version is not None and expected_version != case.version:
        raise Conflict(CONFLICT_MESSAGE)
    now = timezone.now()
    today = today or timezone.localdate(now)
    calendar = load_calendar()

    if (
        not system
        and case.state == State.SUBMITTED
        and today > clock.correction_deadline(calendar, case.received_on)
    ):
        # The law has already accepted it: record that first, then judge the action.
        perform(case_id=case.pk, action="deem-accept", actor=None, today=today)
        case.refresh_from_db()

    if transition.actor == SYSTEM:
        if not system:
            raise NotAllowed("该操作由系统自动执行")
    elif not _may(actor, case, transition):
        raise NotAllowed(f"您无权对该办件执行“{transition.label}”")
    if case.state not in transition.sources:
        allowed = [t.label for t in actions_for(case, actor)] if not system else []
        now_text = "、".join(allowed) if allowed else "无"
        raise ServiceError(
            f"办件当前为“{State(case.state).label}”，不能“{transition.label}”；"
            f"当前可进行的操作：{now_text}",
            code="action_not_allowed",
            fields={"action": f"当前可进行的操作：{now_text}"},
        )
    clean = _check_inputs(transition, case, data)
    if action == "extend":
        due = status_of(case, today=today, calendar=calendar).deadlines.statutory_due
        if due is not None and today > due:
            raise ServiceError(
                f"法定期限已于{due:%Y年%m月%d日}届满，不能再延长（行政许可法第四十二条："
                "延长须在期限内经负责人批准）",
                fields={"reason": "法定期限已届满，不能延长"},
                code="extension_too_late",
            )
    if action == "resubmit":
        clean.update(_check_resubmission(case, actor, data, files or {}, upload_ids))
    if action == "deliver":
        _check_delivery(case)

    try:
        case = _perform_locked(case, transition, action, actor, clean, today, now, calendar,
                               request)  # fmt: skip
    except BaseException:
        for files in clean.get("uploads", {}).values():
            for file in files:
                uploads.discard(file.stored_name)
        raise
    case.refresh_from_db()
    return case


def _perform_locked(case, transition, action, actor, clean, today, now, calendar, request):
    system = actor is None
    with transaction.atomic():
        before = {"state": case.state, "version": case.version}
        locked = Case.objects.select_for_update().filter(pk=case.pk, version=case.version).first()
        if locked is None:
            raise Conflict(CONFLICT_MESSAGE)
        case = locked
        actor_name = "系统" if system else f"{actor}（{actor.unit_name or '申请人'}）"
        if transition.target is not None and action != "deliver":
            case.state = transition.target
        message, notice_extra = _HANDLERS[action](case, clean, today, now, actor)
        _refresh_due(case, calendar, today)
        if action == "deliver":
            application = case.application
            cases = list(application.cases.select_for_update().order_by("id"))
            _deliver_all(application, cases, actor, actor_name, now, clean)
            case.refresh_from_db()
        else:
            updated = Case.objects.filter(pk=case.pk, version=case.version).update(
                state=case.state, version=F("version") + 1, updated_at=now,
                **{f: getattr(case, f) for f in _CLOCK_FIELDS},
            )  # fmt: skip
            if not updated:
                raise Conflict(CONFLICT_MESSAGE)
            case.version += 1
            _event(case, actor, actor_name, action, before["state"], case.state, message, now,
                   {k: v for k, v in clean.items() if k not in ("uploads", "earlier")})  # fmt: skip
        if transition.notice and notice_extra is not None:  # None: the handler issued it
            _issue(case, transition.notice, now, notice_extra)
        if case.state == State.REFUSED:
            case_ended.send(sender=Case, case=case, now=now)
        _after_change(case.application, actor, now)
        record_audit(
            actor=actor, action=f"办件{transition.label}", obj=case, before=before,
            after={"state": case.state, "version": case.version}, request=request,
        )  # fmt: skip
        if action not in ("review",):
            _notify(case.application, f"办件 {case.number}：{transition.label}",
                    f"{case.handling_item.name}：{message}")  # fmt: skip
    return case


_CLOCK_FIELDS = (
    "received_on", "accepted_on", "deemed_accepted", "decided_on", "concluded_at",
    "extension_days", "pauses", "due_on", "correction_items", "decision",
)  # fmt: skip


def _check_delivery(case: Case) -> None:
    undecided = case.application.cases.filter(state__in=UNDECIDED).count()
    if undecided:
        raise ServiceError(
            f"该申请还有 {undecided} 个办件在办理中，办结后统一送达（一件事一次送达）",
            code="delivery_waits",
        )


def _check_resubmission(
    case: Case, actor, data: dict, files: dict, upload_ids: dict | None = None
) -> dict:
    """Every material the correction notice asked for must come with a new file: sent now
    (`files`: name → [(filename, bytes)]) or uploaded earlier (`upload_ids`: name → [ids])."""
    asked = [p["item"] for p in case.correction_items]
    needed = {m.name for m in case.materials.all()}
    errors, stored_ok = {}, {}
    upload_ids = upload_ids or {}
    earlier = _earlier_uploads(actor, upload_ids, errors)
    total = sum(case.application.uploads.values_list("size", flat=True))
    total += sum(u.size for u in earlier.values())
    if total > uploads.max_application_bytes():
        limit = uploads.max_application_bytes() // 1024 // 1024
        errors["materials"] = f"本次申请的文件合计超过 {limit} MB 的上限"
    for name in upload_ids:
        if name not in asked:
            errors[f"materials.{name}"] = f"补正通知没有要求“{name}”"
    for name in asked:
        if name not in needed:
            continue  # a field or a remark, not a file
        if upload_ids.get(name):
            continue
        if not files.get(name):
            errors[f"materials.{name}"] = f"请上传补正后的“{name}”"
            continue
        for original, content in files[name]:
            try:
                uploads.check_file(original, content, already=total)
            except ServiceError as exc:
                errors[f"materials.{name}"] = exc.message
            total += len(content)
    if errors:
        raise ServiceError(f"补正材料有 {len(errors)} 处需要处理", fields=errors)
    for name in asked:
        if name in needed and files.get(name):
            stored_ok[name] = [
                uploads.store(original, content) for original, content in files[name]
            ]
    attached = {name: [earlier[int(i)] for i in ids] for name, ids in upload_ids.items()}
    return {"uploads": stored_ok, "earlier": attached}


# Each handler changes `case` in memory and returns (timeline message, notice extras).


def _accept(case, clean, today, now, actor):
    case.accepted_on = today
    if case.case_type == ServiceItem.CaseType.IMMEDIATE:
        case.decided_on = today
        case.decision = Case.Decision.APPROVED
        case.state = State.APPROVED
        _issue(case, "acceptance", now, {})
        _issue(case, "approval", now, {"basis": "即办件当场办结"})
        return "即办件，当场受理并准予", None
    return "申请材料齐全、符合法定形式，已受理", {}


def _deem_accept(case, clean, today, now, actor):
    case.accepted_on = case.received_on
    case.deemed_accepted = True
    return (
        "收到申请材料之日起5个工作日内未告知补正，依法自收到申请材料之日起视为受理",
        {},
    )


def _request_correction(case, clean, today, now, actor):
    case.correction_items = clean["problems"]
    listed = "；".join(
        p["item"] + (f"（{p['problem']}）" if p["problem"] else "") for p in clean["problems"]
    )
    return f"需要补正：{listed}。补正后重新计算受理时间", {"problems": clean["problems"]}


def _resubmit(case, clean, today, now, actor):
    application = case.application
    replaced = []
    rows: list[tuple[str, Upload]] = []
    for name, files in clean.get("uploads", {}).items():
        for file in files:
            rows.append((name, Upload.objects.create(
                owner=actor, application=application, original_name=file.original_name,
                stored_name=file.stored_name, kind=file.kind, size=file.size, sha256=file.sha256,
            )))  # fmt: skip
    for name, earlier in clean.get("earlier", {}).items():
        for row in earlier:
            row.application = application
            row.save(update_fields=["application"])
            rows.append((name, row))
    for name, row in rows:
        # The same material of every undecided case of the application gets the new file;
        # cases already decided keep the file they were decided on.
        for material in CaseMaterial.objects.filter(
            case__application=application, case__state__in=UNDECIDED, name=name
        ):
            material.upload = row
            material.status = CaseMaterial.Status.UPLOADED
            material.save(update_fields=["upload", "status"])
        if name not in replaced:
            replaced.append(name)
    case.received_on = today
    case.correction_items = []
    done = "、".join(replaced) if replaced else "补正内容"
    return f"申请人已提交补正材料（{done}），重新进入预审", {}


def _refuse(case, clean, today, now, actor):
    return f"不予受理：{clean['reasons']}", {
        "reasons": clean["reasons"],
        "remedies": clean["remedies"],
    }


def _review(case, clean, today, now, actor):
    return "已进入审查", {}


def _suspend(case, clean, today, now, actor):
    label = PROCEDURES[clean["procedure"]]
    case.pauses = [
        *case.pauses,
        {"kind": clean["procedure"], "start": today.isoformat(), "end": None,
         "reason": clean["reason"], "expected_days": clean["expected_days"]},
    ]  # fmt: skip
    return (
        f"进入{label}程序（{clean['reason']}），预计需要{clean['expected_days']}日，"
        "所需时间不计入审查期限",
        {"procedure": label, "reason": clean["reason"], "expected_days": clean["expected_days"]},
    )


def _resume(case, clean, today, now, actor):
    pauses = [dict(p) for p in case.pauses]
    for pause in pauses:
        if not pause.get("end"):
            pause["end"] = today.isoformat()
    case.pauses = pauses
    return "特别程序结束，恢复审查计时", {}


def _extend(case, clean, today, now, actor):
    case.extension_days = clock.EXTENSION_DAYS
    return (
        f"经本机关负责人批准，审查期限延长10个工作日。理由：{clean['reason']}",
        {"reason": clean["reason"], "approved_by": str(actor)},
    )


def _approve(case, clean, today, now, actor):
    case.decided_on = today
    case.decision = Case.Decision.APPROVED
    return "审查通过，作出准予决定", {}


def _deny(case, clean, today, now, actor):
    case.decided_on = today
    case.decision = Case.Decision.DENIED
    return (
        f"作出不予决定：{clean['reasons']}",
        {"reasons": clean["reasons"], "remedies": clean["remedies"]},
    )


def _deliver(case, clean, today, now, actor):
    return "", {}


def _withdraw(case, clean, today, now, actor):
    case.concluded_at = now
    return "申请人撤回了申请", {}


def _revoke(case, clean, today, now, actor):
    case.decision = ""
    return (
        f"经核查，申请人承诺不实，依法撤销准予决定：{clean['finding']}",
        {"finding": clean["finding"], "remedies": DEFAULT_REMEDIES},
    )


_HANDLERS = {
    "accept": _accept,
    "deem-accept": _deem_accept,
    "request-correction": _request_correction,
    "resubmit": _resubmit,
    "refuse": _refuse,
    "review": _review,
    "suspend": _suspend,
    "resume": _resume,
    "extend": _extend,
    "approve": _approve,
    "deny": _deny,
    "deliver": _deliver,
    "withdraw": _withdraw,
    "revoke": _revoke,
}


def withdraw_application(*, application_id: int, actor, request=None) -> Application:
    """Withdraw every case of an application not yet decided."""
    application = Application.objects.visible_to(actor).filter(pk=application_id).first()
    if application is None:
        raise NotFound("申请不存在或无权查看")
    open_cases = list(application.cases.filter(state__in=UNDECIDED).values_list("pk", "version"))
    if not open_cases:
        raise ServiceError("该申请已没有可以撤回的办件（已作出决定的不能撤回）")
    with transaction.atomic():
        for pk, version in open_cases:
            perform(case_id=pk, action="withdraw", actor=actor, expected_version=version,
                    request=request)  # fmt: skip
    application.refresh_from_db()
    return application


# --- Commitment verification and credit ------------------------------------------------------


def verify_commitment(*, verification_id: int, actor, truthful: bool, finding: str,
                      request=None) -> CommitmentVerification:  # fmt: skip
    """Record the after-the-fact check. A false commitment revokes the decision, records it in
    the applicant's credit and bars commitment for them until repaired."""
    from onething.registries.models import CreditRecord

    verification = (
        CommitmentVerification.objects.visible_to(actor)
        .select_related("case__application").filter(pk=verification_id).first()
    )  # fmt: skip
    if verification is None:
        raise NotFound("核查任务不存在或无权查看")
    case = verification.case
    if not _may(actor, case, TRANSITIONS["revoke"]):
        raise NotAllowed("只有办理部门的审核人员可以登记核查结果")
    finding = (finding or "").strip()
    if not finding:
        raise ServiceError("请填写核查结论", fields={"finding": "请填写核查结论"})
    if verification.status != CommitmentVerification.Status.PENDING:
        raise Conflict("该承诺已核查过")
    with transaction.atomic():
        updated = CommitmentVerification.objects.filter(
            pk=verification.pk, status=CommitmentVerification.Status.PENDING
        ).update(
            status=(CommitmentVerification.Status.CONFIRMED if truthful
                    else CommitmentVerification.Status.FALSE),
            finding=finding[:500], verified_by=actor, verified_at=timezone.now(),
        )  # fmt: skip
        if not updated:
            raise Conflict("该承诺已被他人核查")
        if not truthful:
            perform(case_id=case.pk, action="revoke", actor=actor, data={"finding": finding},
                    request=request)  # fmt: skip
            application = case.application
            CreditRecord.objects.create(
                subject_code=application.applicant_code,
                subject_name=application.applicant_name,
                kind=CreditRecord.Kind.FALSE_COMMITMENT,
                reason=f"{case.item.name}：{finding}"[:500],
                source=f"办件 {case.number} 告知承诺核查",
                recorded_at=timezone.now(),
            )
        else:
            _event(case, actor, f"{actor}（{actor.unit_name}）", "verify", case.state,
                   case.state, f"告知承诺核查属实：{finding}", timezone.now())  # fmt: skip
        record_audit(
            actor=actor, action="告知承诺核查", obj=verification,
            after={"truthful": truthful, "finding": finding}, request=request,
        )  # fmt: skip
    verification.refresh_from_db()
    return verification


def repair_credit(*, record_id: int, actor, note: str, request=None):
    """Credit repair (信用修复) by the bureau: the record stops barring commitment."""
    from onething.registries.models import CreditRecord

    if actor.role not in (Role.SUPERVISOR, Role.SYSADMIN):
        raise NotAllowed("信用修复由区行政审批服务局办理")
    note = (note or "").strip()
    if not note:
        raise ServiceError("请填写修复依据", fields={"note": "请填写修复依据"})
    with transaction.atomic():
        record = CreditRecord.objects.select_for_update().filter(pk=record_id).first()
        if record is None:
            raise NotFound("信用记录不存在")
        if record.repaired_at is not None:
            raise Conflict("该信用记录已修复")
        record.repaired_at = timezone.now()
        record.repair_note = note[:300]
        record.save(update_fields=["repaired_at", "repair_note"])
        record_audit(actor=actor, action="信用修复", obj=record, after={"note": note},
                     request=request)  # fmt: skip
    return record
