"""Negative-rating and hotline deadlines (onething/evaluation/deadlines.py, pure) against the 2026
State Council calendar (as chinese-calendar, the source the work calendar is seeded from, has
it). Expected dates are counted by hand: 2026-09-25 and 2026-10-01…07 are holidays, Saturday
2026-10-10 a working day; 2026-02-15…23 holidays, Saturdays 02-14 and 02-28 working days. The day
of the event is not counted."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from onething.core import workdays
from onething.evaluation import deadlines as dl

D = dt.date
YELLOW_DAYS = 2


def _calendar_2026() -> workdays.WorkCalendar:
    days, day = {}, D(2026, 1, 1)
    while day.year == 2026:
        working = chinese_calendar.is_workday(day)
        if working != (day.weekday() < 5):
            days[day] = working
        day += dt.timedelta(days=1)
    return workdays.WorkCalendar(days, frozenset({2026}))


CAL = _calendar_2026()


OPENED = D(2026, 9, 30)


def _handling(state="verifying", opened=OPENED, **extra) -> dl.HandlingDeadlines:
    clock = dl.HandlingClock(
        state=state, opened_on=opened, verify_days=extra.pop("verify_days", 1),
        rectify_days=extra.pop("rectify_days", 10), **extra,
    )  # fmt: skip
    return dl.handling_deadlines(clock, CAL)


@pytest.mark.parametrize(
    ("opened", "verify_days", "rectify_days", "verify_due", "rectify_due"),
    [
        # The day before National Day: the next working day is 10-08; ten reach 10-20.
        (D(2026, 9, 30), 1, 10, D(2026, 10, 8), D(2026, 10, 20)),
        # Rated on the Mid-Autumn holiday (Friday 09-25): counted from the next working day.
        (D(2026, 9, 25), 1, 10, D(2026, 9, 28), D(2026, 10, 15)),
        # Friday 10-09: Saturday 10-10 is a working day.
        (D(2026, 10, 9), 1, 10, D(2026, 10, 10), D(2026, 10, 22)),
        # A district that allows 2 days to verify and 5 to rectify.
        (D(2026, 9, 29), 2, 5, D(2026, 10, 8), D(2026, 10, 12)),
        # Spring Festival: 02-14 (Sat, worked), 24, 25, 26, 27, 28 (Sat, worked), 03-02 … 05.
        (D(2026, 2, 13), 1, 10, D(2026, 2, 14), D(2026, 3, 5)),
    ],
)
def test_verify_and_rectify_dates_count_working_days_across_holidays(
    opened, verify_days, rectify_days, verify_due, rectify_due
):
    found = _handling(opened=opened, verify_days=verify_days, rectify_days=rectify_days)
    assert (found.verify_due, found.rectify_due) == (verify_due, rectify_due)
    assert not found.provisional.provisional


def test_a_rating_on_09_30_verified_on_10_08_is_on_time_and_on_10_09_late():
    on_time = _handling(state="rectifying", verified_on=D(2026, 10, 8))
    late = _handling(state="rectifying", verified_on=D(2026, 10, 9))
    assert on_time.verified_on_time is True
    assert late.verified_on_time is False
    assert _handling().verified_on_time is None


def test_rectified_on_the_tenth_working_day_is_on_time():
    found = _handling(state="follow_up", verified_on=D(2026, 10, 8), rectified_on=D(2026, 10, 20))
    assert found.rectified_on_time is True
    later = _handling(state="follow_up", rectified_on=D(2026, 10, 21))
    assert later.rectified_on_time is False


@pytest.mark.parametrize(
    ("state", "today", "step", "warning"),
    [
        # 1 working day left to verify: within the yellow threshold of 2.
        ("verifying", D(2026, 9, 30), "核实", dl.YELLOW),
        ("verifying", D(2026, 10, 5), "核实", dl.YELLOW),  # a holiday; due 10-08
        ("verifying", D(2026, 10, 8), "核实", dl.YELLOW),  # due today
        ("verifying", D(2026, 10, 9), "核实", dl.RED),
        ("rectifying", D(2026, 10, 8), "整改或解释", dl.GREEN),  # 9 working days left
        ("rectifying", D(2026, 10, 15), "整改或解释", dl.GREEN),  # 10-16, 10-19, 10-20: 3
        ("rectifying", D(2026, 10, 16), "整改或解释", dl.YELLOW),  # 2 left
        ("rectifying", D(2026, 10, 21), "整改或解释", dl.RED),
        ("follow_up", D(2026, 10, 21), "回访并办结", dl.RED),  # the same limit for the result
        ("appealed", D(2026, 11, 30), "申诉核定", dl.PAUSED),
        ("closed", D(2026, 11, 30), "", dl.DONE),
        ("voided", D(2026, 11, 30), "", dl.DONE),
    ],
)
def test_the_current_step_and_its_warning(state, today, step, warning):
    found = _handling(state=state, real_name=True)
    assert found.step == step
    assert found.warning(CAL, today, YELLOW_DAYS) == warning


def test_an_anonymous_or_followed_up_rating_only_needs_closing():
    assert _handling(state="follow_up", real_name=False).step == "办结"
    assert _handling(state="follow_up", real_name=True, followed_up=True).step == "办结"


def test_appeal_pauses_without_moving_the_dates():
    appealed = _handling(state="appealed")
    assert appealed.paused and appealed.step_due is None
    assert (appealed.verify_due, appealed.rectify_due) == (D(2026, 10, 8), D(2026, 10, 20))


def test_a_year_without_its_schedule_is_provisional():
    found = _handling(opened=D(2026, 12, 24))
    assert found.provisional.provisional
    assert "2027年" in found.provisional.reason


# --- Hotline ----------------------------------------------------------------------------------


def _ticket(state="dispatched", dispatched=OPENED, reply_days=2, **extra):
    clock = dl.TicketClock(
        state=state, dispatched_on=dispatched, sign_days=extra.pop("sign_days", 1),
        reply_days=reply_days, **extra,
    )  # fmt: skip
    return dl.ticket_deadlines(clock, CAL)


@pytest.mark.parametrize(
    ("category", "reply_days", "reply_due"),
    [
        ("consultation", 2, D(2026, 10, 9)),
        ("help", 5, D(2026, 10, 13)),  # 10-08, 09, 10 (Sat, worked), 12, 13
        ("complaint", 5, D(2026, 10, 13)),
        ("suggestion", 10, D(2026, 10, 20)),
    ],
)
def test_reply_is_due_by_category_from_dispatch(category, reply_days, reply_due):
    found = _ticket(reply_days=reply_days)
    assert found.sign_due == D(2026, 10, 8)
    assert found.reply_due == reply_due


def test_a_reassignment_restarts_both_clocks_from_the_new_dispatch():
    first = _ticket(dispatched=D(2026, 9, 30))
    again = _ticket(dispatched=D(2026, 10, 9))
    assert (first.sign_due, first.reply_due) == (D(2026, 10, 8), D(2026, 10, 9))
    assert (again.sign_due, again.reply_due) == (D(2026, 10, 10), D(2026, 10, 12))


@pytest.mark.parametrize(
    ("state", "today", "step", "warning"),
    [
        ("received", D(2026, 12, 1), "派单", dl.GREEN),  # no limit at the bureau's desk
        ("dispatched", D(2026, 9, 30), "签收", dl.YELLOW),
        ("dispatched", D(2026, 10, 9), "签收", dl.RED),
        ("signed", D(2026, 10, 8), "答复", dl.YELLOW),
        ("signed", D(2026, 10, 12), "答复", dl.RED),
        ("replied", D(2026, 12, 1), "回访", dl.GREEN),
        ("closed", D(2026, 12, 1), "", dl.DONE),
    ],
)
def test_ticket_steps_and_warnings(state, today, step, warning):
    dispatched = None if state == "received" else D(2026, 9, 30)
    found = _ticket(state=state, dispatched=dispatched)
    assert found.step == step
    assert found.warning(CAL, today, YELLOW_DAYS) == warning


def test_signed_and_replied_on_time_are_judged_against_the_latest_dispatch():
    found = _ticket(state="replied", signed_on=D(2026, 10, 8), replied_on=D(2026, 10, 12))
    assert found.signed_on_time is True
    assert found.replied_on_time is False
