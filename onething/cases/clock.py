"""Case deadlines from the case's clock and the work calendar. Pure: nothing from Django.

Rules encoded (RULES.md "Administrative licensing", 行政许可法):
- art. 32: an application is pre-reviewed on receipt; a correction notice must be given within
  5 working days of receipt, otherwise the application counts as accepted from receipt. While a
  correction is outstanding the clock stops; the resubmission is a new receipt.
- art. 42: the decision is due within the statutory limit counted from acceptance, +10 working
  days once with the head's approval (the `extension_days`).
- art. 45: time for hearing, testing, expert review and the like is not counted: each pause adds
  back the working days (or calendar days, for a calendar-day limit) it lasted.
- art. 44: the result is issued and delivered within 10 working days of the decision.
- The day of the triggering event is not counted (workdays.add_working_days).
A limit in hours is counted in working days of 8 working hours, rounded up.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from onething.core import workdays

CORRECTION_NOTICE_DAYS = 5  # 行政许可法 第三十二条
DELIVERY_DAYS = 10  # 行政许可法 第四十四条
EXTENSION_DAYS = 10  # 行政许可法 第四十二条

GREEN, YELLOW, RED, PAUSED, DONE = "green", "yellow", "red", "paused", "done"
WARNING_LABELS = {
    GREEN: "正常",
    YELLOW: "即将到期",
    RED: "已超期",
    PAUSED: "计时暂停",
    DONE: "已办结",
}

WORKING_DAY, CALENDAR_DAY, HOUR = "working_day", "calendar_day", "hour"


@dataclass(frozen=True)
class Pause:
    kind: str  # "special": a special procedure (art. 45)
    start: dt.date
    end: dt.date | None


@dataclass(frozen=True)
class Clock:
    state: str
    received_on: dt.date
    accepted_on: dt.date | None
    decided_on: dt.date | None
    statutory_days: int
    statutory_unit: str
    promised_days: int
    promised_unit: str
    extension_days: int = 0
    pauses: tuple[Pause, ...] = ()


@dataclass(frozen=True)
class Deadlines:
    step: str  # what is due next: 预审, 审查决定, 送达, or "" when done
    step_due: dt.date | None  # the sort key; None while paused or done
    statutory_due: dt.date | None
    promised_due: dt.date | None
    correction_deadline: dt.date | None  # last day to ask for a correction (art. 32)
    paused: bool
    provisional: workdays.Provisional

    def warning(self, calendar: workdays.WorkCalendar, today: dt.date, yellow_days: int) -> str:
        if self.paused:
            return PAUSED
        if self.step_due is None:
            return DONE
        if today > self.step_due:
            return RED
        left = workdays.working_days_between(calendar, today, self.step_due).working_days
        return YELLOW if left <= yellow_days else GREEN


def _in_working_days(days: int, unit: str) -> int:
    return math.ceil(days / 8) if unit == HOUR else days


def add_limit(calendar, start: dt.date, days: int, unit: str) -> workdays.DueDate:
    """The day a limit of `days` in `unit` ends, counted from the day after `start`."""
    if unit == CALENDAR_DAY:
        return workdays.DueDate(
            start, days, start + dt.timedelta(days=days), workdays.Provisional()
        )
    return workdays.add_working_days(calendar, start, _in_working_days(days, unit))


def excluded_days(calendar, pauses, unit: str, today: dt.date) -> int:
    """Days the special procedures took, not counted in the limit (art. 45). An open pause
    counts up to today."""
    total = 0
    for pause in pauses:
        end = pause.end or today
        if end <= pause.start:
            continue
        if unit == CALENDAR_DAY:
            total += (end - pause.start).days
        else:
            total += workdays.working_days_between(calendar, pause.start, end).working_days
    return total


def pre_review_due(calendar, received_on: dt.date, pre_review_days: int) -> dt.date:
    return workdays.add_working_days(calendar, received_on, pre_review_days).due


def correction_deadline(calendar, received_on: dt.date) -> dt.date:
    """The last day a correction notice may be given; after it the case counts as accepted."""
    return workdays.add_working_days(calendar, received_on, CORRECTION_NOTICE_DAYS).due


def deadlines(clock: Clock, calendar, *, today: dt.date, pre_review_days: int) -> Deadlines:
    """Every deadline of a case as of `today`."""
    provisional: list[workdays.Provisional] = []

    def decision(days: int, unit: str) -> dt.date:
        start = clock.accepted_on or clock.received_on
        if unit == CALENDAR_DAY:
            paused = excluded_days(calendar, clock.pauses, CALENDAR_DAY, today)
            base = start + dt.timedelta(days=days + paused)
            # The extension is 10 working days whatever the limit's unit (art. 42, art. 82).
            due = workdays.add_working_days(calendar, base, clock.extension_days)
        else:
            total = _in_working_days(days, unit) + clock.extension_days
            total += excluded_days(calendar, clock.pauses, WORKING_DAY, today)
            due = workdays.add_working_days(calendar, start, total)
        provisional.append(due.provisional)
        return due.due

    statutory = decision(clock.statutory_days, clock.statutory_unit)
    promised = decision(clock.promised_days, clock.promised_unit)
    state = clock.state
    step, step_due, paused, correction = "", None, False, None
    if state == "submitted":
        step = "预审"
        step_due = pre_review_due(calendar, clock.received_on, pre_review_days)
        correction = correction_deadline(calendar, clock.received_on)
    elif state == "correction":
        step, paused = "补正", True
    elif state in ("accepted", "under_review"):
        step, step_due = "审查决定", promised
    elif state == "suspended":
        step, paused = "特别程序", True
    elif state in ("approved", "denied") and clock.decided_on:
        step = "送达"
        step_due = workdays.add_working_days(calendar, clock.decided_on, DELIVERY_DAYS).due
    years = sorted({y for p in provisional for y in p.years})
    return Deadlines(
        step=step,
        step_due=step_due,
        statutory_due=statutory,
        promised_due=promised,
        correction_deadline=correction,
        paused=paused,
        provisional=workdays.Provisional.from_years(years),
    )
