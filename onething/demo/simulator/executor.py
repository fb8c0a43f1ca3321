"""A plan turned into the rows `cases.services` would write for it, without the ORM: the
submission (`_create`), each `perform` with its handler (the services' own pure handlers where
they have no side effects), `_refresh_due`, `_event`, `_issue`, `_after_change` and
`_deliver_all`."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from zoneinfo import ZoneInfo

from django.conf import settings

from onething.cases import applying, clock, services
from onething.cases.models import (
    Application,
    Case,
    CaseMaterial,
    CommitmentVerification,
    Upload,
)
from onething.cases.workflow import TERMINAL, TRANSITIONS, UNDECIDED, State
from onething.catalog.models import HandlingItem, ServiceItem
from onething.core.errors import ServiceError

from .plans import ApplicationPlan, Step
from .writer import NoticeBook, Writer


class SimApplication:
    """An application in memory: the Application row's fields, its cases, and the rows its
    submission and handling produced (events, uploads, verifications) in the order made."""


class SimCase:
    """A case in memory with the attributes the services' pure handlers and clock_of read."""

    application: SimApplication


class Executor:
    """Turns plans into rows exactly as `cases.services` would (see the module's docstring);
    numbers come from the counters it is given, notices go to the NoticeBook."""

    def __init__(self, writer: Writer, *, calendar, pre_review_days: int, units: dict,
                 notices: NoticeBook):  # fmt: skip
        self.writer = writer
        self.calendar = calendar
        self.pre_review_days = pre_review_days
        self.units = units
        self.notices = notices
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.sequences: Counter = Counter()
        self._deadline_cache: dict = {}
        self._forms: dict = {}
        self.stats: Counter = Counter()

    # Numbers.

    def next_number(self, key: str) -> int:
        self.sequences[key] += 1
        return self.sequences[key]

    def localdate(self, at: dt.datetime) -> dt.date:
        return at.astimezone(self.zone).date()

    # Deadlines, as services.status_of / _refresh_due compute them.

    def deadlines(self, case, today: dt.date) -> clock.Deadlines:
        found_clock = services.clock_of(case)
        open_pause = case.pauses and any(p.end is None for p in found_clock.pauses)
        key = (found_clock, today if open_pause else None)
        found = self._deadline_cache.get(key)
        if found is None:
            if len(self._deadline_cache) > 400_000:
                self._deadline_cache.clear()
            found = clock.deadlines(
                found_clock, self.calendar, today=today, pre_review_days=self.pre_review_days
            )
            self._deadline_cache[key] = found
        return found

    def refresh_due(self, case, today: dt.date) -> None:
        case.due_on = None if case.state in TERMINAL else self.deadlines(case, today).step_due

    # The application form.

    def form_for(self, plan: ApplicationPlan) -> applying.ApplicationForm:
        applicant = plan.applicant
        supplied = applicant.person is not None and (
            applicant.kind != "enterprise" or applicant.enterprise is not None
        )
        needs_key = (
            tuple((code, tuple(sorted(names))) for code, names in sorted(plan.needs.items()))
            if plan.needs is not None
            else None
        )
        key = (tuple(h.code for h in plan.handling_items), applicant.kind, supplied, needs_key)
        base = self._forms.get(key)
        if base is None:
            base = self._forms[key] = applying.build_form(
                plan.handling_items, kind=applicant.kind, person=applicant.person,
                enterprise=applicant.enterprise, user=applicant.user, needs=plan.needs,
            )  # fmt: skip
        return applying.ApplicationForm(
            applicant_fields=applying.applicant_fields(
                applicant.kind, applicant.person, applicant.enterprise, applicant.user
            ),
            fields=base.fields,
            materials=base.materials,
            commitments=base.commitments,
        )

    # Submitting (services.submit_application and _create).

    def submit(self, plan: ApplicationPlan) -> SimApplication:
        form = self.form_for(plan)
        answers, errors = applying.parse_answers(form, plan.answers)
        committed = set(plan.commitments)
        provided: dict[str, str] = {}
        for row in form.materials:
            has_file = bool(plan.files.get(row.name))
            if row.supplied_by:
                provided[row.name] = row.supplied_by
            elif has_file:
                provided[row.name] = "uploaded"
            elif set(row.commitment_by) & committed:
                provided[row.name] = "commitment"
            elif row.required:
                errors[f"materials.{row.name}"] = f"请上传“{row.name}”"
            else:
                provided[row.name] = "missing"
        if errors:
            raise ServiceError(f"模拟申请 {plan.key} 有 {len(errors)} 处需要修改", fields=errors)
        applicant = plan.applicant
        actor = plan.actor
        now = plan.submitted_at
        today = self.localdate(now)
        assisted = actor.role in services._STAFF
        payload = {
            "items": [h.code for h in plan.handling_items],
            "bundle": plan.bundle.slug if plan.bundle else "",
            "applicant": applicant.code,
            "answers": plan.answers,
            "files": {
                name: sorted(hashlib.sha256(data).hexdigest() for _, data in files)
                for name, files in plan.files.items()
            },
            "uploads": {},
            "commitments": sorted(plan.commitments),
            "delivery": [plan.delivery_method, plan.delivery_address],
        }
        app = SimApplication()
        app.pk = self.writer.next_id(Application)
        app.number = f"SQ{today.year}-{self.next_number(f'application:{today.year}'):07d}"
        app.plan = plan
        app.applicant_kind, app.applicant_code = applicant.kind, applicant.code
        app.applicant_name = applicant.name
        app.applicant_phone = answers.get("applicant_phone") or applicant.phone or ""
        app.applicant_user = applicant.user
        app.submitted_by = actor
        app.channel = Application.Channel.ASSISTED if assisted else Application.Channel.ONLINE
        app.consent = plan.consent[:300] if assisted else ""
        app.form_data = answers
        app.prefill_sources = {f.key: f.source for f in form.all_fields if f.source}
        app.delivery_method = plan.delivery_method
        app.delivery_address = (plan.delivery_address or "").strip()[:200]
        app.delivery_tracking = ""
        app.delivered_at = None
        app.status = Application.Status.OPEN
        app.submitted_at = now
        app.concluded_at = None
        app.request_hash = services._payload_hash(payload)
        app.cases = []
        app.events = []  # (case, row values) in the order the services create them
        app.uploads = []
        app.verifications = []
        upload_rows: dict[str, list[int]] = {}
        for name, files in plan.files.items():
            for original, data in files:
                upload_rows.setdefault(name, []).append(
                    self.upload(app, actor, original, data, now)
                )
        offered = {c["code"]: c for c in form.commitments}
        materials_by_code: dict[str, list] = {}
        for row in form.materials:
            for code in row.needed_by:
                materials_by_code.setdefault(code, []).append(row)
        actor_name = str(actor)
        if assisted:
            actor_name = f"{actor}（{actor.unit_name}，帮代办）"
        who = f"{actor_name}代{applicant.name}" if assisted else actor_name
        for handling in plan.handling_items:
            case = self.new_case(app, handling, now, today)
            if plan.checks is not None and handling.code in plan.checks:
                check = plan.checks[handling.code]
            else:
                check = plan_check(plan, handling, answers)
            commitment = offered.get(handling.code) if handling.code in committed else None
            services.set_route(case, check, commitment, today, now)
            self.refresh_due(case, today)
            for row in materials_by_code.get(handling.code, []):
                status = provided.get(row.name, "missing")
                if status == "commitment" and handling.code not in committed:
                    status = "missing"
                uploads = upload_rows.get(row.name, []) if status == "uploaded" else [None]
                for upload in uploads:
                    case.materials.append([row.name, row.required, status, upload])
            self.event(case, actor, actor_name, "submit", "", State.SUBMITTED,
                       f"{who}提交了申请，{case.unit_name}已收件", now,
                       {"consent": plan.consent} if assisted else {})  # fmt: skip
            if case.route == Case.Route.INSTANT:
                self.event(case, None, "系统", "instant-approve", State.SUBMITTED,
                           State.CONCLUDED, "符合秒批条件，系统自动核验通过，已准予并办结", now,
                           {"check": check})  # fmt: skip
                self.issue(case, "approval", now, {"basis": "秒批规则：" + check["rule"]})
            elif case.route == Case.Route.COMMITMENT:
                due = clock.add_limit(
                    self.calendar, today, commitment["verify_days"], clock.WORKING_DAY
                ).due
                verification = {
                    "case": case, "commitment_text": commitment["text"],
                    "waived": commitment["waives"], "method": commitment["method"],
                    "due_on": due, "status": CommitmentVerification.Status.PENDING,
                    "finding": "", "verified_by": None, "verified_at": None,
                }  # fmt: skip
                app.verifications.append(verification)
                case.verification = verification
                message = (
                    f"申请人签署告知承诺书，当场准予；{due:%Y年%m月%d日}前完成"
                    f"{verification['method']}"
                )
                waived = {"waived": commitment["waives"]}
                self.event(case, actor, actor_name, "commitment-approve", State.SUBMITTED,
                           State.APPROVED, message, now, waived)  # fmt: skip
                self.issue(case, "approval", now, {"basis": "告知承诺制（国办发〔2020〕42号）"})
        self.after_change(app, actor, now)
        return app

    def new_case(self, app, handling: HandlingItem, now, today) -> SimCase:
        item = handling.item
        case = SimCase()
        case.pk = self.writer.next_id(Case)
        case.application = app
        case.number = f"WC{today.year}-{self.next_number(f'case:{today.year}'):07d}"
        case.handling_item = handling
        case.item = item
        case.item_version_id = item.current_version_id
        department_id, town_id = services._route(item)
        case.unit = self.units[(department_id, town_id)]
        case.department_id, case.town_id = department_id, town_id
        case.department, case.town = case.unit.department, case.unit.town
        case.unit_name = case.unit.name
        case.state = State.SUBMITTED
        case.route = Case.Route.NORMAL
        case.decision = ""
        case.version = 1
        case.submitted_at = now
        case.received_on = today
        case.accepted_on = case.decided_on = case.concluded_at = None
        case.deemed_accepted = False
        case.case_type = item.case_type
        case.statutory_days, case.statutory_unit = item.statutory_days, item.statutory_unit
        case.promised_days, case.promised_unit = item.promised_days, item.promised_unit
        case.extension_days = 0
        case.pauses = []
        case.due_on = None
        case.correction_items = []
        case.facts_checked = []
        case.updated_at = now
        case.materials = []
        case.verification = None
        case.refused_at = None
        case.notice_count = 0
        app.cases.append(case)
        return case

    def upload(self, app, owner, original: str, data: bytes, at) -> int:
        pk = self.writer.next_id(Upload)
        app.uploads.append({
            "id": pk, "owner_id": owner.pk, "application_id": app.pk,
            "original_name": original.rsplit("/", 1)[-1][:200] or "材料",
            "stored_name": f"sim/{pk}", "kind": "pdf", "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "uploaded_at": at,
        })  # fmt: skip
        return pk

    def event(self, case, actor, actor_name, action, from_state, to_state, message, at, data):
        authenticated = actor is not None and actor.is_authenticated
        case.application.events.append((case, {
            "at": at, "actor_id": actor.pk if authenticated else None,
            "actor_name": actor_name, "action": action, "from_state": from_state,
            "to_state": to_state, "message": message[:500], "data": data or {},
        }, actor if authenticated else None))  # fmt: skip

    def issue(self, case, kind: str, at, extra: dict) -> None:
        """services._issue: the notice's context, numbered later in the order of issue."""
        if self.notices.lean:
            case.notice_count += 1
            return
        app = case.application
        item = case.item
        today = self.localdate(at)
        context = {
            "unit": case.department.full_name if case.department_id
            else f"望城区{case.town.name}",
            "applicant": app.applicant_name,
            "applicant_code": app.applicant_code,
            "application_number": app.number,
            "case_number": case.number,
            "item": item.name,
            "item_kind": item.kind.code,
            "handling_item": case.handling_item.name,
            "received_on": case.received_on.isoformat(),
            "accepted_on": case.accepted_on.isoformat() if case.accepted_on else "",
            "decided_on": case.decided_on.isoformat() if case.decided_on else "",
            "issued_on": today.isoformat(),
            "legal_basis": item.legal_basis,
            "statutory_days": case.statutory_days,
            "promised_days": case.promised_days,
            "phone": item.phone,
            **extra,
        }  # fmt: skip
        if "statutory_due" not in context and case.state not in (
            State.SUBMITTED, State.CORRECTION
        ):  # fmt: skip
            found = self.deadlines(case, today)
            context["statutory_due"] = (
                found.statutory_due.isoformat() if found.statutory_due else ""
            )
            context["promised_due"] = found.promised_due.isoformat() if found.promised_due else ""
        self.notices.add(case, kind, at, context, today.year)

    def after_change(self, app, actor, now) -> None:
        states = {c.state for c in app.cases}
        if (
            app.delivery_method == Application.Delivery.ELECTRONIC
            and not states & UNDECIDED
            and states & {State.APPROVED, State.DENIED}
        ):
            self.deliver_all(app, None, "系统", now, {"method": "electronic"})
            states = {c.state for c in app.cases}
        if states <= set(TERMINAL) and app.status == Application.Status.OPEN:
            app.status = (
                Application.Status.WITHDRAWN
                if states == {State.WITHDRAWN}
                else Application.Status.CONCLUDED
            )
            app.concluded_at = now

    def deliver_all(self, app, actor, actor_name, now, data) -> None:
        method = data["method"]
        label = services.DELIVERY_LABELS[method]
        detail = f"，快递单号 {data['tracking']}" if data.get("tracking") else ""
        for case in app.cases:
            if case.state not in (State.APPROVED, State.DENIED):
                continue
            before = case.state
            case.state, case.concluded_at, case.due_on = State.CONCLUDED, now, None
            case.version += 1
            case.updated_at = now
            self.event(case, actor, actor_name, "deliver", before, State.CONCLUDED,
                       f"审批结果已{label}{detail}，办件办结", now, data)  # fmt: skip
        app.delivery_method = method
        app.delivery_tracking = data.get("tracking", "")[:40]
        if data.get("address"):
            app.delivery_address = data["address"][:200]
        app.delivered_at = now

    # Acting (services.perform and _perform_locked).

    def perform(self, app, step: Step) -> None:
        case = app.cases[step.case]
        now = step.at
        today = self.localdate(now)
        actor = step.actor
        if step.action == "verify":
            return self.verify(case, actor, step.data["finding"], now)
        transition = TRANSITIONS[step.action]
        system = actor is None
        if (
            not system
            and case.state == State.SUBMITTED
            and today > clock.correction_deadline(self.calendar, case.received_on)
        ):
            self.perform(app, Step(now, step.case, "deem-accept", None))
        if case.state not in transition.sources:
            raise ServiceError(f"模拟计划有误：{case.number} 为 {case.state}，不能 {step.action}")
        clean = services._check_inputs(transition, case, step.data)
        action = step.action
        # What services.perform refuses beyond the table: a plan that asks for it is wrong.
        if action == "extend":
            due = self.deadlines(case, today).statutory_due
            if due is not None and today > due:
                raise ServiceError(f"模拟计划有误：{case.number} 的法定期限已届满，不能延长")
        if action == "deliver" and any(c.state in UNDECIDED for c in app.cases):
            raise ServiceError(f"模拟计划有误：{app.number} 还有办件在办理中，不能送达")
        before = case.state
        actor_name = "系统" if system else f"{actor}（{actor.unit_name or '申请人'}）"
        if transition.target is not None and action != "deliver":
            case.state = transition.target
        if action == "accept":
            message, notice_extra = self.accept(case, today, now)
        elif action == "resubmit":
            message, notice_extra = self.resubmit(case, actor, step.files, today, now)
        else:
            message, notice_extra = services._HANDLERS[action](case, clean, today, now, actor)
        if action == "refuse":
            case.refused_at = now
        self.refresh_due(case, today)
        if action == "deliver":
            self.deliver_all(app, actor, actor_name, now, clean)
        else:
            case.version += 1
            case.updated_at = now
            data = {k: v for k, v in clean.items() if k not in ("uploads", "earlier")}
            self.event(case, actor, actor_name, action, before, case.state, message, now, data)
        if transition.notice and notice_extra is not None:
            self.issue(case, transition.notice, now, notice_extra)
        self.after_change(app, actor, now)
        self.stats[action] += 1
        return None

    def accept(self, case, today, now):
        """services._accept, with the notices of an on-the-spot case issued here."""
        case.accepted_on = today
        if case.case_type == ServiceItem.CaseType.IMMEDIATE:
            case.decided_on = today
            case.decision = Case.Decision.APPROVED
            case.state = State.APPROVED
            self.issue(case, "acceptance", now, {})
            self.issue(case, "approval", now, {"basis": "即办件当场办结"})
            return "即办件，当场受理并准予", None
        return "申请材料齐全、符合法定形式，已受理", {}

    def resubmit(self, case, actor, files: dict, today, now):
        """services._resubmit with _check_resubmission's files: each material asked for gets
        its new file, on every undecided case of the application that needs it."""
        app = case.application
        asked = [p["item"] for p in case.correction_items]
        needed = {m[0] for m in case.materials}
        replaced = []
        rows = []
        for name in asked:
            if name in needed and files.get(name):
                for original, data in files[name]:
                    rows.append((name, self.upload(app, actor, original, data, now)))
        for name, upload in rows:
            for sibling in app.cases:
                if sibling.state not in UNDECIDED:
                    continue
                for material in sibling.materials:
                    if material[0] == name:
                        material[2], material[3] = CaseMaterial.Status.UPLOADED, upload
            if name not in replaced:
                replaced.append(name)
        case.received_on = today
        case.correction_items = []
        done = "、".join(replaced) if replaced else "补正内容"
        return f"申请人已提交补正材料（{done}），重新进入预审", {}

    def verify(self, case, actor, finding: str, now) -> None:
        """services.verify_commitment, a truthful commitment."""
        verification = case.verification
        verification.update(
            status=CommitmentVerification.Status.CONFIRMED, finding=finding[:500],
            verified_by=actor, verified_at=now,
        )  # fmt: skip
        self.event(case, actor, f"{actor}（{actor.unit_name}）", "verify", case.state,
                   case.state, f"告知承诺核查属实：{finding}", now, None)  # fmt: skip

    # Everything of one application.

    def run(self, plan: ApplicationPlan) -> SimApplication:
        app = self.submit(plan)
        for step in plan.steps:
            self.perform(app, step)
        self.stats["applications"] += 1
        self.stats["cases"] += len(app.cases)
        return app


def plan_check(plan: ApplicationPlan, handling: HandlingItem, answers: dict) -> dict | None:
    """services.instant_check at the moment of submission (its `checked_at`)."""
    if not handling.approval_rule:
        return None
    check = services.instant_check(handling, plan.applicant, answers)
    return {**check, "checked_at": plan.submitted_at.isoformat()}
