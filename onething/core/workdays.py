"""Working-day arithmetic over the official calendar. Pure: imports nothing from Django.

Rules encoded (RULES.md "Working days"):
- Licensing limits count working days, excluding statutory holidays (行政许可法 第八十二条).
- The day of the triggering event is not counted; a limit of N working days ends at the end of
  the Nth working day after it.
- A year without an entered State Council schedule falls back to Monday–Friday, and every result
  that touched such a year is marked provisional with the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WorkCalendar:
    """The official calendar: which dates differ from Monday–Friday, and which years it covers.

    `days` maps a date to whether it is a working day; dates absent from it follow the weekday
    rule. `covered_years` are the years whose official schedule has been entered.
    """

    days: Mapping[dt.date, bool]
    covered_years: frozenset[int]

    def is_working_day(self, day: dt.date) -> bool:
        if day.year in self.covered_years and day in self.days:
            return self.days[day]
        return day.weekday() < 5

    def is_covered(self, day: dt.date) -> bool:
        return day.year in self.covered_years


@dataclass(frozen=True)
class Provisional:
    """Whether a result rests on a year without an official schedule, and why."""

    provisional: bool = False
    reason: str = ""
    years: tuple[int, ...] = field(default=())

    @classmethod
    def from_years(cls, years: Iterable[int]) -> Provisional:
        missing = tuple(sorted(set(years)))
        if not missing:
            return cls()
        listed = "、".join(f"{y}年" for y in missing)
        return cls(True, f"{listed}的国务院节假日安排尚未录入，暂按周一至周五为工作日推算", missing)


@dataclass(frozen=True)
class DueDate:
    start: dt.date
    days: int
    due: dt.date
    provisional: Provisional


@dataclass(frozen=True)
class WorkingDayCount:
    start: dt.date
    end: dt.date
    working_days: int
    provisional: Provisional


def add_working_days(calendar: WorkCalendar, start: dt.date, days: int) -> DueDate:
    """The date a limit of `days` working days ends, counting from the day after `start`."""
    if days < 0:
        raise ValueError("days must not be negative")
    day, counted, uncovered = start, 0, set()
    while counted < days:
        day += dt.timedelta(days=1)
        if not calendar.is_covered(day):
            uncovered.add(day.year)
        if calendar.is_working_day(day):
            counted += 1
    return DueDate(start, days, day, Provisional.from_years(uncovered))


def working_days_between(calendar: WorkCalendar, start: dt.date, end: dt.date) -> WorkingDayCount:
    """Working days in (start, end]: the inverse of add_working_days."""
    if end < start:
        raise ValueError("end must not be before start")
    day, counted, uncovered = start, 0, set()
    while day < end:
        day += dt.timedelta(days=1)
        if not calendar.is_covered(day):
            uncovered.add(day.year)
        if calendar.is_working_day(day):
            counted += 1
    return WorkingDayCount(start, end, counted, Provisional.from_years(uncovered))


def next_working_day(calendar: WorkCalendar, day: dt.date) -> DueDate:
    """The first working day after `day`."""
    return add_working_days(calendar, day, 1)


# --- The State Council schedule as an administrator enters it ------------------------------
# One line per holiday period or adjusted working day, as the annual notice words them:
#   2027-01-01 至 2027-01-03 放假 元旦
#   2027-02-07 上班 春节调休
# Blank lines and lines starting with # are ignored. See docs/calendar-import.md.

_LINE = re.compile(
    r"^(?P<start>\d{4}-\d{2}-\d{2})(?:\s*(?:至|~|\.\.)\s*(?P<end>\d{4}-\d{2}-\d{2}))?"
    r"\s+(?P<kind>放假|上班)\s+(?P<name>\S.*)$"
)


@dataclass(frozen=True)
class ScheduleEntry:
    day: dt.date
    is_working_day: bool
    name: str


@dataclass(frozen=True)
class ScheduleError:
    line: int
    message: str


class ScheduleInvalid(ValueError):
    def __init__(self, errors: list[ScheduleError]):
        super().__init__("; ".join(f"第{e.line}行：{e.message}" for e in errors))
        self.errors = errors


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def parse_schedule(text: str, year: int) -> list[ScheduleEntry]:
    """Parse a year's holiday schedule; raise ScheduleInvalid listing every bad line."""
    entries: dict[dt.date, ScheduleEntry] = {}
    errors: list[ScheduleError] = []
    # The notice for a year may start its New Year holiday in the last days of the year before.
    earliest, latest = dt.date(year - 1, 12, 1), dt.date(year, 12, 31)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            errors.append(
                ScheduleError(number, "格式应为“YYYY-MM-DD [至 YYYY-MM-DD] 放假|上班 名称”")
            )
            continue
        start = _parse_date(match["start"])
        end = _parse_date(match["end"]) if match["end"] else start
        if start is None or end is None:
            errors.append(ScheduleError(number, "日期无效"))
            continue
        if end < start:
            errors.append(ScheduleError(number, "结束日期早于开始日期"))
            continue
        if start < earliest or end > latest:
            errors.append(ScheduleError(number, f"日期不属于{year}年的放假安排"))
            continue
        working = match["kind"] == "上班"
        day = start
        while day <= end:
            if working and day.weekday() < 5:
                errors.append(ScheduleError(number, f"{day} 是周一至周五，无需标注调休上班"))
            elif day in entries and entries[day].is_working_day != working:
                errors.append(ScheduleError(number, f"{day} 同时被标为放假和上班"))
            else:
                entries[day] = ScheduleEntry(day, working, match["name"].strip())
            day += dt.timedelta(days=1)
    if not entries and not errors:
        errors.append(ScheduleError(0, "没有任何放假或调休安排"))
    if errors:
        raise ScheduleInvalid(errors)
    return sorted(entries.values(), key=lambda e: e.day)
