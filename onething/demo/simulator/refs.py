"""The simulation's small reference types: local time and working days (`Clock`), the
registry records an applicant is drawn from, the accounts a run creates, and the district's
units with the marks their notice numbers carry (`load_units`)."""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings

from onething.cases import services
from onething.core.models import Department, Region, Role


class Clock:
    """Local time and working days of the simulation (Asia/Shanghai, the work calendar)."""

    def __init__(self, calendar, first: dt.date, last: dt.date):
        self.calendar = calendar
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.working = []
        day = first
        while day <= last:
            if calendar.is_working_day(day):
                self.working.append(day)
            day += dt.timedelta(days=1)

    def local(self, at: dt.datetime) -> dt.datetime:
        return at.astimezone(self.zone)

    def day(self, at: dt.datetime) -> dt.date:
        return at.astimezone(self.zone).date()

    def at(self, day: dt.date, minute: float) -> dt.datetime:
        """The moment `minute` minutes after local midnight of `day`, in dt.UTC."""
        local = dt.datetime(day.year, day.month, day.day, tzinfo=self.zone)
        return (local + dt.timedelta(seconds=int(minute * 60))).astimezone(dt.UTC)

    def add(self, day: dt.date, days: int) -> dt.date:
        """`days` working days after `day` (0: `day` itself), as add_working_days counts."""
        if days <= 0:
            return day
        return self.working[bisect.bisect_right(self.working, day) + days - 1]

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end`."""
        return bisect.bisect_right(self.working, end) - bisect.bisect_right(self.working, start)

    def office_time(self, rng: random.Random, day: dt.date, after: dt.datetime | None = None):
        """A moment in office hours (8:30–12:00, 14:00–17:30) of working day `day`, later than
        `after` when that is on the same day (or just after it, when office hours are over)."""
        low = 510.0
        if after is not None and self.day(after) == day:
            local = self.local(after)
            low = max(low, local.hour * 60 + local.minute + local.second / 60 + 1)
        if low >= 1050:
            return after + dt.timedelta(minutes=rng.randint(1, 20))
        minute = rng.uniform(low, 1050)
        if 720 <= minute < 840:  # lunch: 12:00–14:00
            minute = rng.uniform(max(low, 840), 1050) if low < 1050 else minute
        return self.at(day, minute)


class Town(NamedTuple):
    name: str


class Community(NamedTuple):
    name: str
    parent_id: int
    parent: Town
    pk: int = 0


class Person(NamedTuple):
    """The registry fields `applying.applicant_fields` reads, and a few for drawing."""

    pk: int
    id_number: str
    name: str
    phone: str
    birth_date: dt.date
    household_community: Community
    town_id: int
    sex: str = ""
    marital_status: str = ""


class Enterprise(NamedTuple):
    credit_code: str
    name: str
    legal_rep_id_number: str
    legal_rep_name: str
    town_id: int
    tax_credit_rating: str


class Account:
    """A simulated account, written as a `core.User` row; quacks like a User where the
    services read one (str(), unit_name, role, phone, display_name)."""

    is_authenticated = True

    def __init__(self, pk, username, display_name, role, *, department=None, town=None,
                 id_number="", credit_code="", phone=""):  # fmt: skip
        self.pk = self.id = pk
        self.username, self.display_name, self.role = username, display_name, role
        self.department, self.town = department, town
        self.department_id = department.pk if department else None
        self.town_id = town.pk if town else None
        self.id_number, self.credit_code, self.phone = id_number, credit_code, phone

    def __str__(self):
        return self.display_name or self.username

    @property
    def unit_name(self) -> str:
        if self.department is not None:
            return self.department.name
        return self.town.name if self.town is not None else ""

    @property
    def is_applicant(self) -> bool:
        return self.role in (Role.PERSON, Role.ENTERPRISE)


@dataclass
class Unit:
    """A department or a town that handles cases, with its (simulated) staff."""

    department: Department | None
    town: Region | None
    code: str  # the notice-series code: the department's code or T + the town's code
    mark: str
    clerks: list = field(default_factory=list)
    reviewer: object | None = None

    @property
    def name(self) -> str:
        return self.department.name if self.department else self.town.name


def load_units(district: Region) -> dict[tuple, Unit]:
    """The district's departments and current towns by (department id, town id), each with
    the mark its notice numbers carry (services.unit_mark)."""
    units: dict[tuple, Unit] = {}
    for department in Department.objects.select_related("region").order_by("sort_order"):
        units[(department.pk, None)] = Unit(department, None, department.code, "")
    towns = Region.objects.filter(
        parent=district, level=Region.Level.TOWN, valid_to__isnull=True
    ).order_by("code")
    for town in towns:
        units[(None, town.pk)] = Unit(None, town, f"T{town.code}", "")
    marks = Counter()
    for unit in units.values():
        unit.mark = services.unit_mark(_unit_case(unit))
        marks[unit.mark] += 1
    # Two units with one mark would issue the same notice numbers (services.unit_mark gives
    # 区公安分局 and 公积金中心 both 公): those get the shortest prefix of their name that no
    # other unit's name starts with (望公积受, 望公安受). See README "Simulated year".
    names = {unit.code: _unit_short_name(unit) for unit in units.values()}
    for unit in units.values():
        if marks[unit.mark] > 1:
            others = [name for code, name in names.items() if code != unit.code]
            unit.mark = _unique_prefix(names[unit.code], others)
    return units


def _unit_case(unit: Unit):
    """What services.unit_mark reads of a case, for a unit."""

    class _Case:
        department_id = unit.department.pk if unit.department else None
        department = unit.department
        town_id = unit.town.pk if unit.town else None
        town = unit.town

    return _Case()


def _unit_short_name(unit: Unit) -> str:
    if unit.department is not None:
        return unit.department.name.removeprefix("区").removeprefix("望城")
    return unit.town.name


def _unique_prefix(name: str, others: list[str]) -> str:
    for length in range(1, len(name) + 1):
        if not any(other.startswith(name[:length]) for other in others):
            return name[:length]
    return name
