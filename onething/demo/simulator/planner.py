"""Drawing the year: cases spread over the working days by season, weekday and the Spring
Festival; items by tier and popularity; applicants from the registries (a town's or
community's own item mostly by its residents); channels, bundles, commitments, delivery; and
what happens to each case — pre-review, correction, refusal, withdrawal, deemed acceptance,
review, special procedure, extension, decision on time or late, delivery."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator

from onething.cases import applying, clock, services
from onething.cases.models import Application
from onething.catalog.models import HandlingItem, ServiceItem
from onething.core.errors import ServiceError

from .executor import Executor, plan_check
from .plans import (
    CONSENT,
    HANDLING_ITEM_WEIGHTS,
    KEY_PREFIX,
    MONTH_WEIGHTS,
    SPRING_FESTIVAL,
    WEEKDAY_WEIGHTS,
    ApplicationPlan,
    Step,
    answers_for,
    files_for,
    material_files,
)
from .refs import Unit
from .world import World, procedure_of

CORRECTION_PROBLEMS = (
    "扫描件不清晰，无法辨认", "缺少申请人签字", "证件已过有效期", "与登记信息不一致",
    "缺少盖章", "页数不全",
)  # fmt: skip
REFUSAL_REASONS = (
    "申请事项不属于本机关职权范围，请向有关行政机关申请",
    "逾期未按补正通知提交补正材料",
    "申请人不具备申请资格",
)
DENIAL_REASONS = (
    "经审查，申请人不符合法定条件",
    "现场核查发现实际情况与申请材料不符",
    "经审查，申请材料所载内容与基础库信息不一致",
)
EXTENSION_REASONS = ("需现场核查的事项较多", "涉及多个部门会商", "申请材料内容复杂，需进一步审查")


class Planner:
    """Draws the year's applications and what happens to each case, in submission order."""

    def __init__(self, world: World, executor: Executor, rng: random.Random, *, seed: int,
                 cutoff: dt.datetime):  # fmt: skip
        self.world = world
        self.executor = executor
        self.rng = rng
        self.seed = seed
        self.cutoff = cutoff
        self.clock = world.clock
        self.rates = world.rates
        self.count = 0  # applications yielded: their keys
        self.generated = 0  # applications drawn: their files' contents
        rates, promised = world.rates, world.promised_share
        # Conditional probabilities that give the overall shares asked for.
        self.p_deemed = rates.deemed
        self.p_refuse_direct = rates.refusal * 0.4
        self.p_withdraw_early = rates.withdrawal * 0.3
        self.p_correction = rates.correction
        self.p_refuse_after = min(0.5, rates.refusal * 0.6 / max(rates.correction, 1e-9))
        self.p_withdraw_after = min(0.5, rates.withdrawal * 0.3 / max(rates.correction, 1e-9))
        self.p_withdraw_review = min(0.5, rates.withdrawal * 0.4 / promised)
        self.p_deny = min(0.5, rates.denial / promised)
        self.p_over_statutory = min(0.5, rates.overdue_statutory / promised)
        self.p_over_promised = min(0.5, rates.overdue_promised / promised)

    # Days.

    def days(self, year: int, cases: int, last: dt.date) -> list[tuple[dt.date, int]]:
        """The working days of `year` up to `last` with their share of `cases`: seasons,
        weekdays, the weeks around the Spring Festival."""
        festival = self._spring_festival(year)
        weights = []
        for day in self.clock.working:
            if day.year != year or day > last:
                continue
            weight = MONTH_WEIGHTS[day.month - 1] * WEEKDAY_WEIGHTS[day.weekday()]
            if festival is not None:
                gap = (day - festival).days
                if -10 <= gap < 0:
                    weight *= 0.6  # before the holiday: people travel home
                elif 0 <= gap <= 21:
                    weight *= 0.8  # the first working days after it
            weights.append((day, weight * math.exp(self.rng.gauss(0, 0.08))))
        if not weights:
            raise ServiceError(
                f"{year}年截至{last:%Y年%m月%d日}没有工作日，无法模拟", code="no_working_days"
            )
        total = sum(w for _, w in weights)
        shares = [(day, cases * w / total) for day, w in weights]
        counts = [(day, int(share)) for day, share in shares]
        left = cases - sum(n for _, n in counts)
        order = sorted(range(len(shares)), key=lambda i: (int(shares[i][1]) - shares[i][1], i))
        for i in order[:left]:
            counts[i] = (counts[i][0], counts[i][1] + 1)
        return [(day, n) for day, n in counts if n]

    def _spring_festival(self, year: int) -> dt.date | None:
        from onething.core.models import WorkCalendarDay

        return (
            WorkCalendarDay.objects.filter(date__year=year, name__contains=SPRING_FESTIVAL)
            .order_by("date")
            .values_list("date", flat=True)
            .first()
        )

    def applications(self, year: int, cases: int, last: dt.date) -> Iterator[ApplicationPlan]:
        for day, quota in self.days(year, cases, last):
            plans = []
            while quota > 0:
                plan = self.application(day, quota)
                quota -= len(plan.handling_items)
                plans.append(plan)
            plans.sort(key=lambda p: p.submitted_at)
            for plan in plans:
                self.count += 1
                plan.key = f"{KEY_PREFIX}{self.seed}:{self.count}"
                yield plan

    # One application.

    def application(self, day: dt.date, room: int) -> ApplicationPlan:
        rng, world = self.rng, self.world
        bundle = None
        if room >= 2 and rng.random() < self.rates.bundle:
            audience = "person" if rng.random() < 0.7 else "enterprise"
            options = [b for b in world.bundles.get(audience, []) if len(b[2]) <= room]
            if options:
                bundle, guidance, needs = options[rng.randrange(len(options))]
        if bundle is not None:
            handling = [world.handling_by_code[code] for code in needs]
            kind = bundle.audience
            depth = min(h.item.online_depth for h in handling)
            unit = world.bureau
        else:
            choice = world.draw_item(rng)
            weights = HANDLING_ITEM_WEIGHTS[: len(choice.handling)]
            index = rng.choices(range(len(weights)), weights)[0] if len(weights) > 1 else 0
            handling = [choice.handling[index]]
            item = choice.item
            kind = "person" if item.for_person else "enterprise"
            if item.for_person and item.for_enterprise and rng.random() < 0.3:
                kind = "enterprise"
            depth = item.online_depth
            unit = choice.unit
            guidance, needs = {}, None
        enterprise = world.draw_enterprise(rng) if kind == "enterprise" else None
        if kind == "enterprise" and enterprise is None:
            kind = "person"
        assisted = False
        if kind == "person":
            person = world.draw_person(rng, handling[0].item)
            online = self.rates.online_by_depth[max(1, min(depth, 4)) - 1]
            assisted = rng.random() >= (0.5 if bundle is not None else online)
        submitted_at = self._submitted_at(day, assisted)
        joined = submitted_at - dt.timedelta(minutes=10)
        if kind == "enterprise":
            actor = world.enterprise_account(enterprise, joined)
            rep = world.person_by_id_number[enterprise.legal_rep_id_number]
            applicant = services.Applicant(
                "enterprise", enterprise.credit_code, enterprise.name, actor.phone, actor, rep,
                enterprise,
            )  # fmt: skip
        elif assisted:
            actor = unit.clerks[rng.randrange(len(unit.clerks))]
            account = world.person_accounts.get(person.id_number)
            has_account = rng.random() < self.rates.accounts  # drawn always: same stream
            if account is None and has_account:
                account = world.person_account(person, joined - dt.timedelta(days=30))
            applicant = services.Applicant(
                "person", person.id_number, person.name, person.phone, account, person, None
            )
        else:
            actor = world.person_account(person, joined)
            applicant = services.Applicant(
                "person", person.id_number, person.name, actor.phone, actor, person, None
            )
        plan = ApplicationPlan(
            key="", actor=actor, applicant=applicant, handling_items=handling,
            submitted_at=submitted_at, answers={}, files={}, bundle=bundle,
            guidance_answers=dict(guidance), needs=needs,
            consent=CONSENT if assisted else "",
        )  # fmt: skip
        self.generated += 1
        content_key = f"{self.seed}-{day:%Y%m%d}-{self.generated}"
        form = self.executor.form_for(plan)
        plan.answers = answers_for(form, rng, submitted_at, world.persons)
        offered = [c["code"] for c in form.commitments]
        if offered and not self._barred(applicant) and rng.random() < self.rates.commitment:
            plan.commitments = offered
        names = files_for(form, plan.commitments, rng)
        plan.files = material_files(content_key, names)
        plan.content_key = content_key
        method = rng.choices(Application.Delivery.values, self.rates.delivery)[0]
        plan.delivery_method = method
        if method == Application.Delivery.EXPRESS:
            plan.delivery_address = self._address(applicant)
        if any(h.approval_rule for h in handling):
            parsed = self._parsed(form, plan)
            orm = self._orm_plan(plan)
            plan.checks = {h.code: plan_check(orm, h, parsed) for h in handling if h.approval_rule}
        else:
            plan.checks = {}
        self._steps(plan, form, assisted)
        return plan

    def _submitted_at(self, day: dt.date, assisted: bool) -> dt.datetime:
        rng = self.rng
        if assisted or rng.random() < 0.7:
            return self.clock.office_time(rng, day)
        return self.clock.at(day, rng.uniform(420, 1380))  # online: 7:00–23:00

    def _barred(self, applicant) -> bool:
        if applicant.code in self.world.barred:
            return True
        enterprise = applicant.enterprise
        return enterprise is not None and enterprise.tax_credit_rating == "D"

    def _address(self, applicant) -> str:
        if applicant.person is not None and applicant.kind == "person":
            community = applicant.person.household_community
            number = self.rng.randint(1, 300)
            return f"长沙市望城区{community.parent.name}{community.name}{number}号"
        town = self.world.units.get((None, applicant.enterprise.town_id))
        road = self.rng.choice(("雷锋大道", "金星北路", "旺旺路", "郭亮北路", "普瑞大道"))
        return f"长沙市望城区{town.name if town else ''}{road}{self.rng.randint(1, 999)}号"

    def _parsed(self, form, plan) -> dict:
        answers, _ = applying.parse_answers(form, plan.answers)
        return answers

    def _orm_plan(self, plan: ApplicationPlan) -> ApplicationPlan:
        """The plan with the applicant's registry records as model instances, which the
        instant-approval facts are read from."""
        from onething.registries.models import Enterprise as EnterpriseRow
        from onething.registries.models import Person as PersonRow

        applicant = plan.applicant
        # The instance the services would read (a living person of the synthetic registry),
        # built from what is loaded already: a query costs ~2 ms, most of it Django's.
        p = applicant.person
        person = PersonRow(
            id=p.pk, id_number=p.id_number, name=p.name, sex=p.sex, birth_date=p.birth_date,
            household_community=self.world.community_rows[p.household_community.pk],
            phone=p.phone, marital_status=p.marital_status, death_date=None, is_synthetic=True,
        )  # fmt: skip
        enterprise = None
        if applicant.enterprise is not None:
            enterprise = EnterpriseRow.objects.filter(credit_code=applicant.enterprise.credit_code)[
                :1
            ][0]
        orm = services.Applicant(
            applicant.kind, applicant.code, applicant.name, applicant.phone, applicant.user,
            person, enterprise,
        )  # fmt: skip
        return ApplicationPlan(
            key="", actor=plan.actor, applicant=orm, handling_items=plan.handling_items,
            submitted_at=plan.submitted_at, answers=plan.answers, files={},
        )  # fmt: skip

    # What happens to each case.

    def _steps(self, plan: ApplicationPlan, form, assisted: bool) -> None:
        steps: list[Step] = []
        decided: list[dt.datetime | None] = []
        outcomes: list[str] = []
        committed = set(plan.commitments)
        for index, handling in enumerate(plan.handling_items):
            check = plan.checks.get(handling.code)
            if check is not None and check["result"] == "true":
                decided.append(plan.submitted_at)
                outcomes.append("instant")
                continue
            if handling.code in committed:
                decided.append(plan.submitted_at)
                outcomes.append("approve")
                steps += self._verification(plan, index, handling)
                continue
            uploaded = [
                row.name
                for row in form.materials
                if handling.code in row.needed_by and row.name in plan.files
            ]
            case_steps, at, outcome = self._case(plan, index, handling, assisted, uploaded)
            steps += case_steps
            decided.append(at)
            outcomes.append(outcome)
        steps += self._delivery(plan, assisted, decided, outcomes)
        order = {id(step): n for n, step in enumerate(steps)}
        plan.steps = sorted(
            (s for s in steps if s.at < self.cutoff), key=lambda s: (s.at, order[id(s)])
        )

    def _unit(self, handling: HandlingItem) -> Unit:
        return self.world.unit_for(handling.item)

    def _pre_review_at(self, at: dt.datetime, assisted: bool) -> dt.datetime:
        rng, clock_ = self.rng, self.clock
        if assisted:
            return at + dt.timedelta(minutes=rng.randint(3, 40))
        day = clock_.day(at)
        u = rng.random()
        if u < 0.6 and clock_.calendar.is_working_day(day) and clock_.local(at).hour < 16:
            return clock_.office_time(rng, day, after=at)
        if u < 1 - self.rates.late_pre_review:
            return clock_.office_time(rng, clock_.add(day, 1), after=at)
        return clock_.office_time(rng, clock_.add(day, rng.randint(2, 4)), after=at)

    def _later(self, at: dt.datetime, days: int) -> dt.datetime:
        return self.clock.office_time(self.rng, self.clock.add(self.clock.day(at), days), after=at)

    def _case(self, plan, index, handling, assisted, uploaded):
        """One case's actions: pre-review (accept, correction, refusal, withdrawal, deemed
        acceptance), then review and decision. Returns (steps, when it was decided, outcome)."""
        rng = self.rng
        unit = self._unit(handling)
        clerk = unit.clerks[rng.randrange(len(unit.clerks))]
        applicant = plan.actor
        steps: list[Step] = []
        received = plan.submitted_at
        at = self._pre_review_at(received, assisted)
        u = rng.random()
        if u < self.p_deemed:
            deadline = self.clock.add(self.clock.day(received), clock.CORRECTION_NOTICE_DAYS)
            at = self.clock.at(deadline + dt.timedelta(days=1), rng.uniform(390, 420))
            steps.append(Step(at, index, "deem-accept", None))
            return self._decision(plan, index, handling, steps, at, unit)
        u -= self.p_deemed
        if u < self.p_refuse_direct:
            steps.append(Step(at, index, "refuse", clerk, self._refusal(0)))
            return steps, at, "refuse"
        u -= self.p_refuse_direct
        if u < self.p_withdraw_early:
            steps.append(Step(at, index, "withdraw", applicant))
            return steps, at, "withdraw"
        u -= self.p_withdraw_early
        if u < self.p_correction:
            asked = rng.sample(uploaded, min(len(uploaded), rng.choice((1, 1, 2)))) or ["申请表"]
            problems = [
                {"item": name, "problem": rng.choice(CORRECTION_PROBLEMS)} for name in asked
            ]
            steps.append(Step(at, index, "request-correction", clerk, {"problems": problems}))
            v = rng.random()
            if v < self.p_refuse_after:
                at = self._later(at, rng.randint(6, 15))
                steps.append(Step(at, index, "refuse", clerk, self._refusal(1)))
                return steps, at, "refuse"
            if v < self.p_refuse_after + self.p_withdraw_after:
                at = self._later(at, rng.randint(1, 5))
                steps.append(Step(at, index, "withdraw", applicant))
                return steps, at, "withdraw"
            at = self._later(at, rng.choice((0, 1, 1, 2, 2, 3, 4, 5, 7, 10)))
            files = material_files(
                f"{plan.content_key}-{index}-r", [n for n in asked if n in uploaded]
            )
            steps.append(Step(at, index, "resubmit", applicant, files=files))
            at = self._pre_review_at(at, assisted)
        steps.append(Step(at, index, "accept", clerk))
        if handling.item.case_type == ServiceItem.CaseType.IMMEDIATE:
            return steps, at, "approve"
        return self._decision(plan, index, handling, steps, at, unit)

    def _refusal(self, which: int) -> dict:
        return {"reasons": REFUSAL_REASONS[which if which else self.rng.choice((0, 2))]}

    def _decision(self, plan, index, handling, steps, at, unit):
        """A promised case after acceptance: review, special procedure, extension, decision."""
        rng, clock_ = self.rng, self.clock
        item = handling.item
        decider = unit.reviewer
        accepted = at
        if rng.random() < self.p_withdraw_review:
            at = self._later(at, rng.randint(1, max(1, item.promised_days // 2)))
            steps.append(Step(at, index, "withdraw", plan.actor))
            return steps, at, "withdraw"
        if rng.random() < 0.75:
            at = self._later(at, rng.choice((0, 0, 1)))
            steps.append(Step(at, index, "review", decider))
        pauses = ()
        choice_procedure = procedure_of(item)
        if choice_procedure is not None and rng.random() < self.rates.special_procedure:
            key, name, days = choice_procedure
            at = self._later(at, rng.choice((0, 1, 2)))
            data = {"procedure": key, "reason": name, "expected_days": days}
            steps.append(Step(at, index, "suspend", decider, data))
            start = clock_.day(at)
            end = start + dt.timedelta(days=max(1, round(days * rng.uniform(0.4, 1.1))))
            while not clock_.calendar.is_working_day(end):
                end += dt.timedelta(days=1)
            at = clock_.office_time(rng, end, after=at)
            steps.append(Step(at, index, "resume", decider))
            pauses = (clock.Pause(key, start, clock_.day(at)),)
        accepted_on = clock_.day(accepted) if steps[0].action != "deem-accept" else None
        received_on = self._received_on(plan, steps)
        dues = self._dues(item, received_on, accepted_on or received_on, pauses, 0)
        if rng.random() < self.rates.extension and clock_.day(at) < dues.statutory_due:
            span = clock_.between(clock_.day(at), dues.statutory_due)
            at = self._later(at, rng.randint(0, max(0, span - 1)))
            steps.append(Step(at, index, "extend", decider,
                              {"reason": rng.choice(EXTENSION_REASONS)}))  # fmt: skip
            dues = self._dues(item, received_on, accepted_on or received_on, pauses, 10)
        promised, statutory = dues.promised_due, dues.statutory_due
        today = clock_.day(at)
        o = rng.random()
        if o < self.p_over_statutory:
            day = clock_.add(statutory, rng.randint(1, 8))
        elif o < self.p_over_statutory + self.p_over_promised:
            span = clock_.between(promised, statutory)
            day = clock_.add(promised, rng.randint(1, span) if span > 0 else rng.randint(1, 3))
        else:
            span = clock_.between(today, promised)
            day = clock_.add(today, int(span * rng.betavariate(1.4, 2.6)))
        at = clock_.office_time(rng, max(day, today), after=at)
        if rng.random() < self.p_deny:
            steps.append(Step(at, index, "deny", decider,
                              {"reasons": rng.choice(DENIAL_REASONS)}))  # fmt: skip
            return steps, at, "deny"
        steps.append(Step(at, index, "approve", decider))
        return steps, at, "approve"

    def _received_on(self, plan, steps) -> dt.date:
        received = plan.submitted_at
        for step in steps:
            if step.action == "resubmit":
                received = step.at
        return self.clock.day(received)

    def _dues(self, item, received_on, accepted_on, pauses, extension) -> clock.Deadlines:
        return clock.deadlines(
            clock.Clock(
                "under_review", received_on, accepted_on, None, item.statutory_days,
                item.statutory_unit, item.promised_days, item.promised_unit, extension, pauses,
            ),
            self.clock.calendar, today=accepted_on, pre_review_days=self.world.pre_review_days,
        )  # fmt: skip

    def _verification(self, plan, index, handling) -> list[Step]:
        commitment = handling.commitment or {}
        days = int(commitment.get("verify_days", 30))
        day = self.clock.add(self.clock.day(plan.submitted_at), self.rng.randint(days // 2, days))
        at = self.clock.office_time(self.rng, day)
        finding = f"经{commitment.get('method', '书面核查')}，实际情况与承诺一致"
        return [Step(at, index, "verify", self._unit(handling).reviewer, {"finding": finding})]

    def _delivery(self, plan, assisted, decided, outcomes) -> list[Step]:
        """Pick-up or post: one delivery once every case is decided (一件事一次送达)."""
        method = plan.delivery_method
        if method == Application.Delivery.ELECTRONIC:
            return []
        if any(at is None or at >= self.cutoff for at in decided):
            return []
        deliverable = [i for i, o in enumerate(outcomes) if o in ("approve", "deny")]
        if not deliverable:
            return []
        rng = self.rng
        last = max(decided)
        index = deliverable[0]
        clerk = self._unit(plan.handling_items[index]).clerks[0]
        if method == Application.Delivery.EXPRESS:
            at = self._later(last, rng.choice((0, 1, 1, 2)))
            tracking = f"SF{rng.randrange(10**12):012d}"
            return [Step(at, index, "deliver", clerk, {"method": method, "tracking": tracking})]
        immediate = all(h.item.case_type == ServiceItem.CaseType.IMMEDIATE
                        for h in plan.handling_items)  # fmt: skip
        if assisted and immediate and rng.random() < 0.85:
            at = last + dt.timedelta(minutes=rng.randint(2, 30))
        elif rng.random() < 0.03:
            at = self._later(last, rng.randint(6, 20))
        else:
            at = self._later(last, rng.choice((0, 1, 1, 2, 2, 3, 4, 5)))
        return [Step(at, index, "deliver", clerk, {"method": method})]
