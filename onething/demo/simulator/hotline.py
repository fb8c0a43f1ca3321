"""The year's 12345 hotline tickets as `evaluation.services.hotline` records them: intake and
dispatch, sign-for, reply, a few returned and dispatched again, the return visit (a rating of
the unit, handled like any negative rating) and closure."""

from __future__ import annotations

import bisect
import datetime as dt
from itertools import accumulate

from .plans import MONTH_WEIGHTS
from .ratings import LEVEL_LABELS, Ratings
from .refs import Person, Unit

TICKET_TEXTS = {
    "consultation": "咨询办理“{item}”需要准备哪些材料、在哪里办理",
    "help": "求助：办理“{item}”时系统提示信息不一致，无法提交",
    "complaint": "投诉{unit}办理“{item}”时间过长，多次催问无答复",
    "suggestion": "建议{unit}在周末增加“{item}”的预约办理时段",
}
TICKET_CATEGORIES = (("consultation", 0.45), ("help", 0.25), ("complaint", 0.2),
                     ("suggestion", 0.1))  # fmt: skip
TICKET_CHANNELS = (("phone", 0.7), ("wechat", 0.15), ("web", 0.1), ("app", 0.05))
REPLY_SETTINGS = {
    "consultation": "hotline.reply_consultation_days",
    "help": "hotline.reply_help_days",
    "complaint": "hotline.reply_complaint_days",
    "suggestion": "hotline.reply_suggestion_days",
}


class Hotline:
    """The year's tickets; the return visit's rating goes through `ratings`."""

    def __init__(self, ratings: Ratings):
        from onething.evaluation import models as evaluation

        self.m = evaluation
        self.ratings = ratings
        self.world = ratings.world
        self.executor = ratings.executor
        self.writer = ratings.writer
        self.rng = ratings.rng
        self.cutoff = ratings.cutoff
        self.clock = ratings.clock
        self.rates = ratings.rates
        self.lean = ratings.lean
        self.stats = ratings.stats

    def tickets(self, year: int, count: int, last: dt.date) -> None:
        """The year's 12345 tickets: every day (the hotline never closes), dispatched at intake,
        signed for, replied, visited (a rating of the unit), closed."""
        rng = self.rng
        days = []
        day = dt.date(year, 1, 1)
        while day <= last and day.year == year:
            working = self.clock.calendar.is_working_day(day)
            days.append((day, (1.0 if working else 0.55) * MONTH_WEIGHTS[day.month - 1]))
            day += dt.timedelta(days=1)
        if not days or not count:
            return
        cumulative = list(accumulate(w for _, w in days))
        moments = sorted(
            self.clock.at(days[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])][0],
                          rng.uniform(480, 1320))
            for _ in range(count)
        )  # fmt: skip
        callers = [p for p in self.world.persons if p.phone]
        units = [u for u in self.world.units.values() if u.department is None or u.clerks]
        for at in moments:
            if at < self.cutoff:
                self.ticket(at, callers[rng.randrange(len(callers))], units)

    def ticket(self, at: dt.datetime, caller: Person, units: list[Unit]) -> None:
        rng, clock_ = self.rng, self.clock
        T = self.m.Ticket.State
        writer = self.writer
        pk = writer.next_id(self.m.Ticket)
        year = clock_.day(at).year
        number = f"RX{year}-{self.executor.next_number(f'ticket:{year}'):07d}"
        category = rng.choices(*zip(*TICKET_CATEGORIES, strict=True))[0]
        channel = rng.choices(*zip(*TICKET_CHANNELS, strict=True))[0]
        town_unit = self.world.units.get((None, caller.town_id))
        unit = town_unit if town_unit and rng.random() < 0.4 else units[rng.randrange(len(units))]
        choice = self.world.draw_item(rng)
        text = TICKET_TEXTS[category].format(item=choice.item.name, unit=unit.name)
        operator = self.world.hotline[rng.randrange(len(self.world.hotline))]
        label = dict(self.m.Ticket.Category.choices)[category]
        t = {
            "number": number, "channel": channel, "caller_name": "" if rng.random() < 0.15
            else caller.name, "caller_phone": caller.phone, "category": category, "text": text,
            "state": T.RECEIVED, "version": 1, "department_id": None, "town_id": None,
            "received_at": at, "dispatched_at": None, "signed_at": None, "replied_at": None,
            "reply": "", "visited_at": None, "visit_result": "", "satisfaction": None,
            "closed_at": None, "reassignments": 0,
        }  # fmt: skip
        events = [(at, operator, "intake", f"登记{label}工单")]
        self.stats["tickets"] += 1

        def dispatch(now, to: Unit):
            t.update(state=T.DISPATCHED, department_id=to.department.pk if to.department else None,
                     town_id=to.town.pk if to.town else None, dispatched_at=now, signed_at=None,
                     version=t["version"] + 1)  # fmt: skip
            events.append((now, operator, "dispatch", f"派至{to.name}"))

        dispatch(at, unit)
        now = at
        sign_days = self.ratings.setting("hotline.sign_days", at)
        if rng.random() < self.rates.ticket_reassigned:
            now = self.ratings.later(now, rng.choice((0, 1)))
            if now < self.cutoff:
                staff = unit.clerks[0]
                t.update(state=T.RECEIVED, department_id=None, town_id=None, dispatched_at=None,
                         signed_at=None, reassignments=t["reassignments"] + 1,
                         version=t["version"] + 1)  # fmt: skip
                events.append(
                    (now, staff, "return", f"{unit.name}退回：该诉求不属于本单位职责范围")
                )
                unit = units[rng.randrange(len(units))]
                now = self.ratings.later(now, 0)
                if now < self.cutoff:
                    dispatch(now, unit)
        while t["state"] == T.DISPATCHED:
            late = rng.random() < self.rates.ticket_late
            now = self.ratings.later(now, rng.randint(sign_days + 1, sign_days + 3) if late
                              else rng.randint(0, sign_days))  # fmt: skip
            if now >= self.cutoff:
                break
            staff = unit.clerks[rng.randrange(len(unit.clerks))]
            t.update(state=T.SIGNED, signed_at=now, version=t["version"] + 1)
            events.append((now, staff, "sign", "承办单位已签收"))
            limit = self.ratings.setting(REPLY_SETTINGS[category], t["dispatched_at"])
            late = rng.random() < self.rates.ticket_late
            start = clock_.day(t["dispatched_at"])
            day = clock_.add(start, rng.randint(limit + 1, limit + 5) if late
                             else rng.randint(1, max(1, limit)))  # fmt: skip
            now = clock_.office_time(rng, max(day, clock_.day(now)), after=now)
            if now >= self.cutoff:
                break
            reply = (
                "已按规定办理并电话告知来电人"
                if category != "consultation"
                else (f"已电话告知来电人“{choice.item.name}”的办理条件、材料和地点")
            )
            t.update(state=T.REPLIED, replied_at=now, reply=reply, version=t["version"] + 1)
            events.append((now, staff, "reply", "承办单位已答复"))
            now = self.ratings.later(now, rng.randint(1, 3))
            if now >= self.cutoff:
                break
            level, reasons, _ = self.ratings.level(category == "complaint")
            result = "来电人对答复表示认可" if level >= 3 else "来电人对答复不满意"
            t.update(state=T.VISITED, visited_at=now, visit_result=result, satisfaction=level,
                     version=t["version"] + 1)  # fmt: skip
            events.append(
                (now, operator, "visit", f"回访：{result}，满意度：{LEVEL_LABELS[level]}")
            )
            self.ratings.record(
                subject="ticket", ticket_id=pk, channel="hotline", level=level,
                reasons=reasons, text=result, rater_name=t["caller_name"][:40],
                rater_phone=t["caller_phone"][:11], real_name=bool(t["caller_phone"]),
                created_at=now, item_id=None, item_version_id=None, case_id=None,
                clerk_id=None, **self.ratings.unit_fields(unit.department, unit.town),
            )  # fmt: skip
            now = now + dt.timedelta(minutes=rng.randint(1, 30))
            if now >= self.cutoff:
                break
            t.update(state=T.CLOSED, closed_at=now, version=t["version"] + 1)
            events.append((now, operator, "close", "工单办结"))
        writer.add(self.m.Ticket, id=pk, **t)
        if self.lean:
            return
        for when, actor, action, message in events:
            writer.add(
                self.m.TicketEvent, id=writer.next_id(self.m.TicketEvent), ticket_id=pk,
                at=when, actor_id=actor.pk, actor_name=_actor_name(actor), action=action,
                message=message[:500],
            )  # fmt: skip


def _actor_name(user) -> str:
    """evaluation.services.common.actor_name."""
    return f"{user}（{user.unit_name}）" if user.unit_name else str(user)
