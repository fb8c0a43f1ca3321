"""Case deadlines (onething/cases/clock.py) against the 2026 State Council calendar.

Every expected date below is counted by hand from the calendar facts in RULES.md, not from the
code: 2026-10-01…07 and 2026-09-25 and 2026-02-15…23 are holidays, 2026-10-10 (Saturday),
2026-09-20 (Sunday) and 2026-02-14 (Saturday) are working days. The day of the triggering event
is not counted.
"""

from __future__ import annotations

import datetime as dt

import pytest

from onething.cases import clock
from onething.core import workdays

D = dt.date


def _calendar_2026() -> workdays.WorkCalendar:
    days: dict[dt.date, bool] = {D(2026, 2, 14): True, D(2026, 9, 20): True, D(2026, 10, 10): True}
    for day in range(15, 24):
        days[D(2026, 2, day)] = False
    for day in range(1, 8):
        days[D(2026, 10, day)] = False
    days[D(2026, 9, 25)] = False
    return workdays.WorkCalendar(days, frozenset({2026}))


CAL = _calendar_2026()
ACCEPTED = D(2026, 9, 29)  # Tuesday before the National Day holiday


def _clock(**overrides) -> clock.Clock:
    values = {
        "state": "accepted",
        "received_on": ACCEPTED,
        "accepted_on": ACCEPTED,
        "decided_on": None,
        "statutory_days": 20,
        "statutory_unit": clock.WORKING_DAY,
        "promised_days": 20,
        "promised_unit": clock.WORKING_DAY,
    }
    values.update(overrides)
    return clock.Clock(**values)


def _deadlines(today: dt.date = ACCEPTED, **overrides) -> clock.Deadlines:
    return clock.deadlines(_clock(**overrides), CAL, today=today, pre_review_days=1)


# --- The decision limit (行政许可法 第四十二条) -------------------------------------------------


def test_decision_due_crosses_the_national_day_holiday_and_counts_the_saturday_worked():
    # 9-30 (1); 10-01…07 holiday; 10-08 (2), 10-09 (3), Saturday 10-10 (4), 10-12…16 (5–9),
    # 10-19…23 (10–14), 10-26…30 (15–19), Monday 11-02 (20).
    found = _deadlines()
    assert found.statutory_due == D(2026, 11, 2)
    assert found.promised_due == D(2026, 11, 2)
    assert found.step == "审查决定"
    assert found.step_due == D(2026, 11, 2)
    assert not found.provisional.provisional


def test_without_the_adjusted_saturday_the_due_date_would_be_a_day_later():
    # Guards the test above: the 10-10 working Saturday is what moves the date to 11-02.
    plain = workdays.WorkCalendar(
        {d: w for d, w in CAL.days.items() if d != D(2026, 10, 10)}, frozenset({2026})
    )
    found = clock.deadlines(_clock(), plain, today=ACCEPTED, pre_review_days=1)
    assert found.statutory_due == D(2026, 11, 3)


def test_the_day_of_acceptance_is_not_counted():
    # Accepted on Monday 11-02 with a limit of 1 working day: due Tuesday, not Monday.
    found = _deadlines(
        accepted_on=D(2026, 11, 2), received_on=D(2026, 11, 2), statutory_days=1, promised_days=1
    )
    assert found.statutory_due == D(2026, 11, 3)
    # Accepted on Friday 10-09: the next working day is the adjusted Saturday 10-10.
    found = _deadlines(
        accepted_on=D(2026, 10, 9), received_on=D(2026, 10, 9), statutory_days=1, promised_days=1
    )
    assert found.statutory_due == D(2026, 10, 10)


def test_the_decision_limit_counts_from_acceptance_not_receipt():
    # Received Monday 9-28, accepted Tuesday 9-29: the 20 working days start after the 29th.
    found = _deadlines(received_on=D(2026, 9, 28))
    assert found.statutory_due == D(2026, 11, 2)


def test_a_special_procedure_adds_back_exactly_its_working_days():
    # Hearing from Monday 10-12 to Friday 10-16: working days 10-13, 14, 15, 16 are not counted.
    pause = clock.Pause("hearing", D(2026, 10, 12), D(2026, 10, 16))
    assert clock.excluded_days(CAL, [pause], clock.WORKING_DAY, D(2026, 10, 20)) == 4
    found = _deadlines(today=D(2026, 10, 20), state="under_review", pauses=(pause,))
    # 11-02 + 4 working days: 11-03, 04, 05, 06.
    assert found.statutory_due == D(2026, 11, 6)
    assert not found.paused


def test_a_pause_over_a_holiday_adds_back_only_the_working_days_in_it():
    # Testing from 9-30 to 10-09 spans the holiday: only 10-08 and 10-09 are working days.
    pause = clock.Pause("testing", D(2026, 9, 30), D(2026, 10, 9))
    assert clock.excluded_days(CAL, [pause], clock.WORKING_DAY, D(2026, 10, 20)) == 2
    found = _deadlines(today=D(2026, 10, 20), state="under_review", pauses=(pause,))
    assert found.statutory_due == D(2026, 11, 4)


def test_an_open_pause_counts_up_to_today_and_the_case_shows_paused():
    pause = clock.Pause("expert", D(2026, 10, 12), None)
    found = _deadlines(today=D(2026, 10, 14), state="suspended", pauses=(pause,))
    # 10-13 and 10-14 so far.
    assert found.statutory_due == D(2026, 11, 4)
    assert found.paused
    assert found.step == "特别程序"
    assert found.step_due is None
    assert found.warning(CAL, D(2026, 10, 14), 2) == clock.PAUSED
    # A day later the open pause has grown by one working day.
    later = _deadlines(today=D(2026, 10, 15), state="suspended", pauses=(pause,))
    assert later.statutory_due == D(2026, 11, 5)


def test_an_extension_adds_ten_working_days():
    found = _deadlines(extension_days=clock.EXTENSION_DAYS)
    # 11-02 + 10 working days: 11-03…06 (4), 11-09…13 (9), 11-16 (10).
    assert found.statutory_due == D(2026, 11, 16)
    assert found.promised_due == D(2026, 11, 16)


def test_calendar_day_limits_count_holidays_and_weekends():
    # 15 calendar days from 9-29 is 10-14, holiday or not.
    found = _deadlines(statutory_days=15, statutory_unit=clock.CALENDAR_DAY)
    assert found.statutory_due == D(2026, 10, 14)


def test_a_calendar_day_pause_adds_back_calendar_days():
    pause = clock.Pause("testing", D(2026, 9, 30), D(2026, 10, 9))
    found = _deadlines(
        today=D(2026, 10, 20),
        state="under_review",
        statutory_days=15,
        statutory_unit=clock.CALENDAR_DAY,
        pauses=(pause,),
    )
    assert found.statutory_due == D(2026, 10, 23)  # 10-14 + 9 calendar days


@pytest.mark.parametrize(
    ("hours", "due"),
    [
        (8, D(2026, 9, 30)),  # 1 working day
        (20, D(2026, 10, 9)),  # ceil(2.5) = 3 working days: 9-30, 10-08, 10-09
        (24, D(2026, 10, 9)),  # 3 working days
        (32, D(2026, 10, 10)),  # 4 working days: the adjusted Saturday
    ],
)
def test_hour_limits_are_working_days_of_eight_hours_rounded_up(hours, due):
    found = _deadlines(statutory_days=hours, statutory_unit=clock.HOUR)
    assert found.statutory_due == due


def test_a_pause_on_an_hour_limit_adds_back_whole_working_days():
    # 24 hours = 3 working days, plus the 4 working days of the hearing = 7: 9-30, 10-08, 10-09,
    # 10-10, 10-12, 10-13, 10-14.
    pause = clock.Pause("hearing", D(2026, 10, 12), D(2026, 10, 16))
    found = _deadlines(
        today=D(2026, 10, 20),
        state="under_review",
        statutory_days=24,
        statutory_unit=clock.HOUR,
        pauses=(pause,),
    )
    assert found.statutory_due == D(2026, 10, 14)


def test_an_extension_on_an_hour_limit_adds_ten_working_days():
    found = _deadlines(statutory_days=24, statutory_unit=clock.HOUR, extension_days=10)
    # 3 + 10 = 13 working days from 9-29: 9-30, 10-08, 09, 10, 12…16 (9), 19…22 (13).
    assert found.statutory_due == D(2026, 10, 22)


# --- Pre-review and correction (行政许可法 第三十二条) -------------------------------------------


def test_pre_review_is_due_one_working_day_after_receipt():
    found = _deadlines(state="submitted", accepted_on=None, received_on=D(2026, 11, 6))
    assert found.step == "预审"
    assert found.step_due == D(2026, 11, 9)  # Friday → Monday
    # Friday 9-18: the next working day is the adjusted Sunday 9-20.
    found = _deadlines(state="submitted", accepted_on=None, received_on=D(2026, 9, 18))
    assert found.step_due == D(2026, 9, 20)
    # Thursday 9-24: Friday 9-25 is a holiday, so Monday 9-28.
    found = _deadlines(state="submitted", accepted_on=None, received_on=D(2026, 9, 24))
    assert found.step_due == D(2026, 9, 28)


def test_correction_must_be_asked_within_five_working_days_of_receipt():
    # 9-30 (1), 10-08 (2), 10-09 (3), 10-10 (4), 10-12 (5).
    assert clock.correction_deadline(CAL, D(2026, 9, 29)) == D(2026, 10, 12)
    found = _deadlines(state="submitted", accepted_on=None, received_on=D(2026, 9, 29))
    assert found.correction_deadline == D(2026, 10, 12)
    # Received on the Friday before the Spring Festival holiday: 2-14 (Saturday, worked) is 1,
    # then 2-24…27 (2–5).
    assert clock.correction_deadline(CAL, D(2026, 2, 13)) == D(2026, 2, 27)


def test_no_correction_deadline_once_accepted():
    assert _deadlines().correction_deadline is None


def test_while_a_correction_is_outstanding_the_clock_is_paused():
    found = _deadlines(state="correction", accepted_on=None)
    assert found.paused
    assert found.step_due is None
    assert found.warning(CAL, D(2026, 10, 9), 2) == clock.PAUSED


def test_delivery_is_due_ten_working_days_after_the_decision():
    found = _deadlines(state="approved", decided_on=D(2026, 9, 29))
    # 9-30, 10-08, 09, 10, 12…16 (9), 10-19 (10).
    assert found.step == "送达"
    assert found.step_due == D(2026, 10, 19)


# --- Warnings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "warning"),
    [
        (D(2026, 10, 27), clock.GREEN),  # 10-28, 29, 30, 11-02 left: 4
        (D(2026, 10, 28), clock.GREEN),  # 3 left
        (D(2026, 10, 29), clock.YELLOW),  # 10-30 and 11-02: 2 left
        (D(2026, 10, 30), clock.YELLOW),  # Friday: only Monday left
        (D(2026, 10, 31), clock.YELLOW),  # Saturday: still Monday left
        (D(2026, 11, 2), clock.YELLOW),  # the last day
        (D(2026, 11, 3), clock.RED),  # overdue
    ],
)
def test_warning_colours(today, warning):
    found = _deadlines(today=today)
    assert found.step_due == D(2026, 11, 2)
    assert found.warning(CAL, today, 2) == warning
    assert clock.WARNING_LABELS[warning]


def test_a_paused_case_is_never_red():
    pause = clock.Pause("expert", D(2026, 10, 12), None)
    found = _deadlines(today=D(2027, 3, 1), state="suspended", pauses=(pause,))
    assert found.warning(CAL, D(2027, 3, 1), 2) == clock.PAUSED


# --- Years without an official schedule ----------------------------------------------------------


def test_a_deadline_in_2027_is_provisional_until_its_schedule_is_entered():
    found = _deadlines(accepted_on=D(2026, 12, 15), received_on=D(2026, 12, 15))
    # Weekdays only in 2027: 12-16…18 (3), 21…25 (8), 28…31 (12), Friday 2027-01-01 (13),
    # 01-04…08 (18), 01-11 (19), 01-12 (20).
    assert found.statutory_due == D(2027, 1, 12)
    assert found.provisional.provisional
    assert found.provisional.years == (2027,)
    assert "2027年" in found.provisional.reason
    # Once 2027 is entered (New Year's Day a holiday), the flag goes and the date moves.
    entered = workdays.WorkCalendar({**CAL.days, D(2027, 1, 1): False}, frozenset({2026, 2027}))
    settled = clock.deadlines(
        _clock(accepted_on=D(2026, 12, 15), received_on=D(2026, 12, 15)),
        entered,
        today=D(2026, 12, 15),
        pre_review_days=1,
    )
    assert not settled.provisional.provisional
    assert settled.statutory_due == D(2027, 1, 13)


def test_a_deadline_inside_2026_is_not_provisional():
    assert not _deadlines(accepted_on=D(2026, 11, 2)).provisional.provisional


# --- The calendar the platform loads --------------------------------------------------------------


@pytest.mark.django_db
def test_the_loaded_calendar_has_the_2026_facts(district):
    from onething.core.services import load_calendar

    calendar = load_calendar()
    for day, working in [
        (D(2026, 10, 10), True),
        (D(2026, 9, 20), True),
        (D(2026, 2, 14), True),
        (D(2026, 9, 25), False),
        (D(2026, 2, 15), False),
        (D(2026, 2, 23), False),
        *[(D(2026, 10, d), False) for d in range(1, 8)],
    ]:
        assert calendar.is_working_day(day) is working, day
    assert not calendar.is_covered(D(2027, 1, 4))
    found = clock.deadlines(_clock(), calendar, today=ACCEPTED, pre_review_days=1)
    assert found.statutory_due == D(2026, 11, 2)
