"""Deadlines of negative-rating handling and of hotline tickets. Pure: nothing from Django.

Negative ratings (RULES.md "Ratings"; the limits are [local] settings, copied onto the handling
when it opens so that a later change of the setting does not move its deadlines):
- verify within `verify_days` working days after the day of the rating (`opened_on`);
- rectify or explain within `rectify_days` working days after `opened_on`;
- return the result to the rater (follow-up) and close within that same rectify limit;
- while an appeal is with the bureau the clock shows as paused, but its dates do not move.

Hotline tickets (RULES.md "Other": 12345 limits are [local]; the values in force at dispatch
apply):
- sign for it within `sign_days` working days after dispatch;
- reply within the category's limit, also counted from dispatch;
- a reassignment is a new dispatch: both clocks restart from it.

The day of the triggering event is not counted (workdays.add_working_days). Warnings are as for
cases: red after the due day, yellow with `yellow_days` working days or fewer left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from onething.cases.clock import DONE, GREEN, PAUSED, RED, WARNING_LABELS, YELLOW
from onething.core import workdays

__all__ = [
    "DONE",
    "GREEN",
    "PAUSED",
    "RED",
    "WARNING_LABELS",
    "YELLOW",
    "HandlingClock",
    "HandlingDeadlines",
    "TicketClock",
    "TicketDeadlines",
    "handling_deadlines",
    "ticket_deadlines",
    "warning_for",
]

# NegativeHandling.State and Ticket.State values (models.py), repeated to stay Django-free.
VERIFYING, RECTIFYING, FOLLOW_UP, APPEALED, CLOSED, VOIDED = (
    "verifying", "rectifying", "follow_up", "appealed", "closed", "voided",
)  # fmt: skip
RECEIVED, DISPATCHED, SIGNED, REPLIED, VISITED, TICKET_CLOSED = (
    "received", "dispatched", "signed", "replied", "visited", "closed",
)  # fmt: skip


def warning_for(
    due: dt.date | None,
    calendar: workdays.WorkCalendar,
    today: dt.date,
    yellow_days: int,
    *,
    paused: bool = False,
    done: bool = False,
) -> str:
    """green / yellow / red for a step due on `due`; paused or done when the clock is not
    running; green for an open step without a limit."""
    if done:
        return DONE
    if paused:
        return PAUSED
    if due is None:
        return GREEN
    if today > due:
        return RED
    left = workdays.working_days_between(calendar, today, due).working_days
    return YELLOW if left <= yellow_days else GREEN


def _on_time(done_on: dt.date | None, due: dt.date) -> bool | None:
    return None if done_on is None else done_on <= due


# --- Negative ratings --------------------------------------------------------------------------


@dataclass(frozen=True)
class HandlingClock:
    state: str
    opened_on: dt.date
    verify_days: int
    rectify_days: int
    verified_on: dt.date | None = None
    rectified_on: dt.date | None = None
    real_name: bool = False
    followed_up: bool = False


@dataclass(frozen=True)
class HandlingDeadlines:
    verify_due: dt.date
    rectify_due: dt.date
    step: str  # what is due now: 核实, 整改或解释, 回访并办结, 办结, 申诉核定, or ""
    step_due: dt.date | None
    paused: bool
    done: bool
    verified_on_time: bool | None  # None: not verified yet
    rectified_on_time: bool | None
    provisional: workdays.Provisional

    def warning(self, calendar: workdays.WorkCalendar, today: dt.date, yellow_days: int) -> str:
        return warning_for(
            self.step_due, calendar, today, yellow_days, paused=self.paused, done=self.done
        )


def handling_deadlines(clock: HandlingClock, calendar: workdays.WorkCalendar) -> HandlingDeadlines:
    verify = workdays.add_working_days(calendar, clock.opened_on, clock.verify_days)
    rectify = workdays.add_working_days(calendar, clock.opened_on, clock.rectify_days)
    step, due, paused, done = "", None, False, False
    if clock.state == VERIFYING:
        step, due = "核实", verify.due
    elif clock.state == RECTIFYING:
        step, due = "整改或解释", rectify.due
    elif clock.state == FOLLOW_UP:
        needs_call = clock.real_name and not clock.followed_up
        step, due = ("回访并办结" if needs_call else "办结"), rectify.due
    elif clock.state == APPEALED:
        step, paused = "申诉核定", True
    else:
        done = True
    years = set(verify.provisional.years) | set(rectify.provisional.years)
    return HandlingDeadlines(
        verify_due=verify.due,
        rectify_due=rectify.due,
        step=step,
        step_due=due,
        paused=paused,
        done=done,
        verified_on_time=_on_time(clock.verified_on, verify.due),
        rectified_on_time=_on_time(clock.rectified_on, rectify.due),
        provisional=workdays.Provisional.from_years(years),
    )


# --- Hotline tickets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketClock:
    state: str
    dispatched_on: dt.date | None  # the latest dispatch (a reassignment is a new one)
    sign_days: int
    reply_days: int
    signed_on: dt.date | None = None
    replied_on: dt.date | None = None


@dataclass(frozen=True)
class TicketDeadlines:
    sign_due: dt.date | None
    reply_due: dt.date | None
    step: str  # 派单, 签收, 答复, 回访, 办结, or ""
    step_due: dt.date | None
    done: bool
    signed_on_time: bool | None
    replied_on_time: bool | None
    provisional: workdays.Provisional

    def warning(self, calendar: workdays.WorkCalendar, today: dt.date, yellow_days: int) -> str:
        return warning_for(self.step_due, calendar, today, yellow_days, done=self.done)


_TICKET_STEPS = {
    RECEIVED: "派单",
    DISPATCHED: "签收",
    SIGNED: "答复",
    REPLIED: "回访",
    VISITED: "办结",
}


def ticket_deadlines(clock: TicketClock, calendar: workdays.WorkCalendar) -> TicketDeadlines:
    sign = reply = None
    if clock.dispatched_on is not None:
        sign = workdays.add_working_days(calendar, clock.dispatched_on, clock.sign_days)
        reply = workdays.add_working_days(calendar, clock.dispatched_on, clock.reply_days)
    step_due = None
    if clock.state == DISPATCHED and sign is not None:
        step_due = sign.due
    elif clock.state == SIGNED and reply is not None:
        step_due = reply.due
    years = set()
    for found in (sign, reply):
        if found is not None:
            years |= set(found.provisional.years)
    return TicketDeadlines(
        sign_due=sign.due if sign else None,
        reply_due=reply.due if reply else None,
        step=_TICKET_STEPS.get(clock.state, ""),
        step_due=step_due,
        done=clock.state == TICKET_CLOSED,
        signed_on_time=_on_time(clock.signed_on, sign.due) if sign else None,
        replied_on_time=_on_time(clock.replied_on, reply.due) if reply else None,
        provisional=workdays.Provisional.from_years(years),
    )
