"""Working-day arithmetic over the official calendar, at real holiday edges."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onething.core import workdays
from onething.core.services import load_calendar

D = dt.date.fromisoformat


@pytest.fixture
def calendar(district):
    return load_calendar()


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Mid-Autumn (Friday 25 Sep 2026) runs into the National Day week.
        ("2026-09-24", 5, "2026-10-09"),
        ("2026-09-24", 1, "2026-09-28"),
        # Sunday 20 Sep and Saturday 10 Oct 2026 are adjusted working days.
        ("2026-09-19", 1, "2026-09-20"),
        ("2026-09-30", 1, "2026-10-08"),
        ("2026-10-09", 1, "2026-10-10"),
        # Spring Festival 2026: Saturday 14 Feb works, 15–23 Feb off, Saturday 28 Feb works.
        ("2026-02-13", 1, "2026-02-14"),
        ("2026-02-14", 1, "2026-02-24"),
        ("2026-02-27", 1, "2026-02-28"),
        ("2026-02-13", 20, "2026-03-19"),
        # Year boundary: New Year 2026 is 1–3 Jan; Sunday 4 Jan is a working day.
        ("2025-12-31", 1, "2026-01-04"),
        ("2025-12-31", 2, "2026-01-05"),
        # Spring Festival 2024: 10–17 Feb off; Sunday 4 Feb and Sunday 18 Feb work.
        ("2024-02-03", 1, "2024-02-04"),
        ("2024-02-09", 1, "2024-02-18"),
        # National Day 2020 with Mid-Autumn on 1 Oct; Saturday 10 Oct works.
        ("2020-09-30", 1, "2020-10-09"),
        ("2020-10-09", 1, "2020-10-10"),
        # Zero days: the limit ends on the start day itself.
        ("2026-10-01", 0, "2026-10-01"),
    ],
)
def test_add_working_days_follows_the_official_calendar(calendar, start, days, due):
    result = workdays.add_working_days(calendar, D(start), days)
    assert result.due == D(due)
    assert result.provisional.provisional is False


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        ("2026-09-24", "2026-10-09", 5),
        ("2026-02-13", "2026-02-24", 2),
        ("2026-10-01", "2026-10-07", 0),
        ("2026-10-01", "2026-10-01", 0),
        ("2025-12-31", "2026-01-05", 2),
        ("2026-01-01", "2026-12-31", 248),
    ],
)
def test_working_days_between_counts_after_start_up_to_end(calendar, start, end, count):
    assert workdays.working_days_between(calendar, D(start), D(end)).working_days == count


def test_next_working_day_skips_the_national_day_week(calendar):
    assert workdays.next_working_day(calendar, D("2026-09-30")).due == D("2026-10-08")


def test_a_year_without_a_schedule_falls_back_to_weekdays_and_says_so(calendar):
    result = workdays.add_working_days(calendar, D("2026-12-30"), 3)
    # 31 Dec (Thu), 1 Jan 2027 (Fri, its holiday not yet known), 4 Jan (Mon).
    assert result.due == D("2027-01-04")
    assert result.provisional.provisional is True
    assert "2027年" in result.provisional.reason
    inside = workdays.add_working_days(calendar, D("2026-12-01"), 5)
    assert inside.provisional.provisional is False


def test_negative_days_and_reversed_ranges_are_refused(calendar):
    with pytest.raises(ValueError):
        workdays.add_working_days(calendar, D("2026-01-05"), -1)
    with pytest.raises(ValueError):
        workdays.working_days_between(calendar, D("2026-01-05"), D("2026-01-04"))


_CALENDAR = None


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2027, 6, 30)),
    days=st.integers(min_value=0, max_value=60),
)
def test_between_is_the_inverse_of_add(start, days):
    calendar = workdays.WorkCalendar(
        {D("2026-10-01"): False, D("2026-10-10"): True, D("2027-01-01"): False},
        frozenset({2026}),
    )
    due = workdays.add_working_days(calendar, start, days)
    assert workdays.working_days_between(calendar, start, due.due).working_days == days
    if days:
        assert calendar.is_working_day(due.due)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-13-01 放假 元旦", "日期无效"),
        ("2027-02-07 至 2027-02-01 放假 春节", "结束日期早于开始日期"),
        ("2027-02-08 上班 春节调休", "无需标注调休上班"),
        ("2025-06-01 放假 儿童节", "不属于2027年"),
        ("元旦放三天", "格式应为"),
        ("2027-02-06 放假 春节\n2027-02-06 上班 春节调休", "同时被标为放假和上班"),
        ("# 只有注释", "没有任何放假或调休安排"),
    ],
)
def test_schedule_parser_names_the_line_and_the_problem(text, message):
    with pytest.raises(workdays.ScheduleInvalid) as error:
        workdays.parse_schedule(text, 2027)
    assert message in str(error.value)


def test_schedule_parser_reads_ranges_and_adjusted_days():
    entries = workdays.parse_schedule(
        "# 国办发明电〔2026〕X号\n2026-12-31 至 2027-01-02 放假 元旦\n2027-02-07 上班 春节调休\n",
        2027,
    )
    assert [(e.day.isoformat(), e.is_working_day) for e in entries] == [
        ("2026-12-31", False),
        ("2027-01-01", False),
        ("2027-01-02", False),
        ("2027-02-07", True),
    ]
