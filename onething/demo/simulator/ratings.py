"""Ratings as `evaluation.services` record them: online ratings of concluded and refused cases
(web, app, or the link of a rating SMS), on-site ratings of window visits, and the handling of
negative ones (verify, rectify or explain, follow up, close; a late tail and a few appeals)."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import Counter

from onething.cases import services
from onething.cases.models import (
    Application,
    Case,
)
from onething.cases.workflow import State
from onething.evaluation.services.links import LINK_LIFETIME

from .executor import Executor, SimApplication
from .refs import Unit
from .world import World

HALL_CHANNELS = ("hall_tablet", "terminal")
NEGATIVE_TEXTS = {
    "attitude": "窗口工作人员态度生硬，解释不耐心",
    "efficiency": "等了很久才办好，效率太低",
    "repeated": "材料提交了好几次，来回跑",
    "guide": "办事指南写得不清楚，不知道要带什么",
    "online": "网上申报页面经常卡，提交不了",
    "fees": "收费标准没有公示清楚",
    "overdue": "超过承诺时间还没有办结",
    "other": "对办理结果不满意",
}
LEVEL_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
REASONS_ORDER = (
    "attitude",
    "efficiency",
    "repeated",
    "guide",
    "online",
    "fees",
    "overdue",
    "other",
)


def ended_at(case) -> dt.datetime | None:
    """When a simulated case ended in a state its applicant may rate (办结, 不予受理)."""
    if case.state == State.CONCLUDED:
        return case.concluded_at
    if case.state == State.REFUSED:
        return case.refused_at
    return None


def write_link(writer, case, nonce: str, sent: dt.datetime, used: dt.datetime | None) -> None:
    """The rating link the platform sends as the case ends (links.invite_on_end)."""
    from onething.evaluation.models import RatingLink

    writer.add(
        RatingLink, id=writer.next_id(RatingLink), case_id=case.pk,
        nonce_hash=hashlib.sha256(nonce.encode()).hexdigest(),
        expires_at=sent + LINK_LIFETIME, used_at=used, created_at=sent,
    )  # fmt: skip


class Ratings:
    """Ratings of the simulated cases (online once per case, on site at the window), the
    handling of negative ones and the rating links of rating SMS."""

    def __init__(self, world: World, executor: Executor, rng: random.Random, *,
                 cutoff: dt.datetime, lean: bool = False):  # fmt: skip
        from onething.evaluation import models as evaluation

        self.m = evaluation
        self.world = world
        self.executor = executor
        self.writer = executor.writer
        self.rng = rng
        self.cutoff = cutoff
        self.clock = world.clock
        self.rates = world.rates
        self.lean = lean
        self.hall_serial: Counter = Counter()
        self.stats: Counter = Counter()
        from onething.core.district_settings import SPECS
        from onething.evaluation.services.common import SettingsAt

        keys = [key for key in SPECS if key.startswith(("ratings.", "hotline."))]
        self.settings = SettingsAt(keys)

    def setting(self, key: str, at: dt.datetime) -> int:
        """A district setting as it stood at `at` (the services read it then)."""
        return int(self.settings.get(key, at))

    # Case ratings.

    def rate(self, app: SimApplication) -> None:
        """A window visit may be rated on the hall's tablet; each concluded or refused case of
        an applicant with an account online (web, app, or the link of a rating SMS)."""
        rng = self.rng
        if app.channel == Application.Channel.ASSISTED and rng.random() < self.rates.hall_rated:
            self.rate_hall(app)
        recipient = self.recipient(app)
        for case in app.cases:
            ended = ended_at(case)
            if ended is None:
                continue
            # The platform sends the rating SMS as the case ends (evaluation.services.links.
            # invite_on_end); a rating through it uses the link up.
            nonce = f"{rng.getrandbits(128):032x}" if recipient is not None else None
            rated = None
            if app.applicant_user is not None and rng.random() < self.rates.rated:
                channel = rng.choices(("web", "app", "sms"), (0.35, 0.35, 0.3))[0]
                at = ended + dt.timedelta(minutes=rng.randint(5, 4320))
                rated = (channel, at) if at < self.cutoff else None
            if nonce is not None:
                used = rated[1] if rated and rated[0] == "sms" else None
                write_link(self.writer, case, nonce, ended, used)
            if rated:
                self.rate_case(app, case, *rated)

    def recipient(self, app: SimApplication):
        """The account a rating SMS goes to: `links.applicant_account`'s rule."""
        if app.applicant_user is not None:
            return app.applicant_user
        if app.applicant_kind == "person":
            return self.world.person_accounts.get(app.applicant_code)
        return None

    def level(self, troubled: bool) -> tuple[int, list[str], str]:
        rng = self.rng
        negative = self.rates.negative * (6 if troubled else 1)
        u = rng.random()
        if u < negative:
            level = 2 if rng.random() < 0.7 else 1
            reason = rng.choice(("overdue", "efficiency") if troubled else tuple(REASONS_ORDER))
            return level, [reason], NEGATIVE_TEXTS[reason]
        level = rng.choices((5, 4, 3), (0.86, 0.11, 0.03))[0]
        return level, [], ""

    def rate_case(self, app, case, channel: str, at: dt.datetime) -> None:
        """evaluation.services.rate_case."""
        anonymous = self.rng.random() < self.rates.anonymous
        troubled = (
            case.state == State.REFUSED
            or case.decision == Case.Decision.DENIED
            or (self._late(case))
        )
        level, reasons, text = self.level(troubled)
        actor = app.applicant_user if channel != "sms" else None
        if actor is not None:
            name = actor.display_name or app.applicant_name
            phone = actor.phone or app.applicant_phone
        else:
            name, phone = app.applicant_name, app.applicant_phone
        clerk = self._handling_clerk(app, case)
        self.record(
            subject="case", case_id=case.pk, item_id=case.item.pk,
            item_version_id=case.item_version_id, clerk_id=clerk.pk if clerk else None,
            channel=channel, level=level, reasons=reasons, text=text,
            rater_user_id=app.applicant_user.pk if app.applicant_user else None,
            rater_name="" if anonymous else name[:40],
            rater_phone="" if anonymous else (phone or "")[:11],
            real_name=not anonymous and bool(name), created_at=at,
            **self.unit_fields(case.department, case.town),
        )  # fmt: skip

    def _late(self, case) -> bool:
        if case.decided_on is None or case.accepted_on is None:
            return False
        return case.decided_on > self.executor.deadlines(case, case.decided_on).promised_due

    def _handling_clerk(self, app, case):
        """ratings.handling_clerk: who accepted or refused, else the last staff on the case."""
        staff = [
            (values["at"], n, actor)
            for n, (c, values, actor) in enumerate(app.events)
            if c is case and actor is not None and actor.role in services._STAFF
        ]
        chosen = [e for e in staff if app.events[e[1]][1]["action"] in ("accept", "refuse")]
        found = max(chosen or staff, default=None, key=lambda e: (e[0], e[1]))
        return found[2] if found else None

    def unit_fields(self, department, town) -> dict:
        if town is not None:
            code = town.code12
        elif department is not None and department.region_id:
            code = department.region.code12
        else:
            code = self.world.district.code12
        return {
            "department_id": department.pk if department else None,
            "town_id": town.pk if town else None,
            "region_code": code,
        }

    def rate_hall(self, app) -> None:
        """evaluation.services.rate_hall_service: the applicant rates the window service on
        the hall's tablet when leaving (after an on-the-spot case is done, or on submission)."""
        rng = self.rng
        clerk = app.submitted_by
        case = app.cases[0]
        done = [values["at"] for c, values, actor in app.events if actor is clerk]
        at = max(done, default=app.submitted_at) + dt.timedelta(minutes=rng.randint(1, 10))
        if at >= self.cutoff:
            return
        day = self.clock.day(at)
        unit_code = clerk.department.code if clerk.department else f"T{clerk.town.code}"
        self.hall_serial[(unit_code, day)] += 1
        ref = f"{unit_code}-{day:%Y%m%d}-{self.hall_serial[(unit_code, day)]:04d}"
        real_name = rng.random() < 0.5
        level, reasons, text = self.level(False)
        self.record(
            subject="hall", case_id=case.pk, item_id=case.item.pk,
            item_version_id=case.item_version_id, service_ref=ref,
            window=f"{1 + clerk.pk % 12}号窗口", clerk_id=clerk.pk,
            channel=rng.choices(HALL_CHANNELS, (0.85, 0.15))[0], level=level, reasons=reasons,
            text=text, rater_name=app.applicant_name[:40] if real_name else "",
            rater_phone=app.applicant_phone if real_name else "", real_name=real_name and bool(
                app.applicant_phone), created_at=at,
            **self.unit_fields(clerk.department, clerk.town),
        )  # fmt: skip

    def record(self, **values) -> None:
        """ratings._create: the rating, and the handling of a negative one."""
        pk = self.writer.next_id(self.m.Rating)
        values.setdefault("service_ref", "")
        values.setdefault("window", "")
        values.setdefault("rater_user_id", None)
        status = self.m.Rating.Status.VALID
        handling = None
        self.stats[f"ratings.{values['subject']}"] += 1
        if values["level"] in (2, 1):
            self.stats["ratings.negative"] += 1
            handling, status = self._handle_negative(values)
        self.writer.add(self.m.Rating, id=pk, status=status, **values)
        if handling is not None:
            self.writer.add(self.m.NegativeHandling, id=self.writer.next_id(
                self.m.NegativeHandling), rating_id=pk, **handling)  # fmt: skip

    def _unit_staff(self, department_id, town_id) -> Unit:
        return self.world.units[(department_id, town_id)]

    def _handle_negative(self, rating: dict) -> tuple[dict, str]:
        """handling.perform through verify → rectify → follow-up → close, with a late tail and
        a few appeals; steps after the simulated day are not taken."""
        rng, clock_ = self.rng, self.clock
        S = self.m.NegativeHandling.State
        at = rating["created_at"]
        opened = clock_.day(at)
        unit = self._unit_staff(rating["department_id"], rating["town_id"])
        staff = unit.reviewer
        h = {
            "state": S.VERIFYING, "version": 1, "opened_on": opened,
            "verify_days": self.setting("ratings.verify_days", at),
            "rectify_days": self.setting("ratings.rectify_days", at),
        }  # fmt: skip
        status = self.m.Rating.Status.VALID

        def moment(days: int, after: dt.datetime) -> dt.datetime:
            return clock_.office_time(rng, max(clock_.add(opened, days), clock_.day(after)),
                                      after=after)  # fmt: skip

        if rng.random() < self.rates.appeal:
            t = moment(rng.choice((0, 1)), at)
            if t >= self.cutoff:
                return h, status
            h.update(appeal_reason="评价内容与实际办理情况不符，申请人系因不符合条件未获批准而恶意差评",
                     appealed_at=t, appealed_by_id=staff.pk, appeal_state_before=h["state"],
                     state=S.APPEALED, version=h["version"] + 1)  # fmt: skip
            t = self.later(t, rng.randint(1, 5))
            if t >= self.cutoff:
                return h, status
            upheld = rng.random() < 0.4
            h.update(appeal_upheld=upheld, appeal_decided_at=t,
                     appeal_decided_by_id=self.world.hotline[0].pk, version=h["version"] + 1,
                     appeal_decision="经核查，申诉理由成立，该差评作废" if upheld
                     else "经核查，申诉理由不成立，请继续整改",
                     state=S.VOIDED if upheld else h["appeal_state_before"])  # fmt: skip
            if upheld:
                h["closed_at"] = t
                return h, self.m.Rating.Status.VOIDED
            at = t
        late = rng.random() < self.rates.verify_late
        t = moment(rng.randint(2, 4) if late else rng.choice((0, 0, 1)), at)
        if t >= self.cutoff:
            return h, status
        upheld = rng.random() < 0.7
        h.update(upheld=upheld, verified_at=t, verified_by_id=staff.pk, state=S.RECTIFYING,
                 version=h["version"] + 1,
                 verification="经调阅办件记录和窗口录像核实，情况属实" if upheld
                 else "经调阅办件记录核实，办理过程符合规定")  # fmt: skip
        late = rng.random() < self.rates.rectify_late
        t = moment(rng.randint(11, 20) if late else rng.randint(1, 8), t)
        if t >= self.cutoff:
            return h, status
        outcome = "rectified" if upheld else "explained"
        h.update(outcome=outcome, rectified_at=t, state=S.FOLLOW_UP, version=h["version"] + 1,
                 rectification="已对相关人员批评教育并优化办理流程，向申请人致歉" if upheld
                 else "已向申请人解释相关规定和办理依据")  # fmt: skip
        if rating["real_name"]:
            t = self.later(t, rng.choice((0, 0, 1, 2)))
            if t >= self.cutoff:
                return h, status
            satisfied = rng.random() < 0.8
            h.update(follow_up="电话回访评价人，已告知处理结果", rater_satisfied=satisfied,
                     followed_up_at=t, version=h["version"] + 1)  # fmt: skip
        t = t + dt.timedelta(minutes=rng.randint(1, 30))
        if t >= self.cutoff:
            return h, status
        h.update(state=S.CLOSED, closed_at=t, version=h["version"] + 1)
        return h, status

    def later(self, at: dt.datetime, days: int) -> dt.datetime:
        return self.clock.office_time(self.rng, self.clock.add(self.clock.day(at), days), after=at)

    # The hotline.
