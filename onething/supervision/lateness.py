"""Which cases and negative ratings became late in a month, per unit, from their own clocks.

A case is *past its promised (statutory) limit in the month* when the first day after the
limit falls in the month (up to the day counted) and no decision — or withdrawal — had come by
the limit. The limit is `cases.clock.deadlines` over the case's clock (acceptance, limit and
unit, extension, special-procedure pauses) and the work calendar, so each late case is counted
once, in the month it became late. Negative ratings likewise against the verification deadline
of `evaluation.deadlines`; a rating voided on appeal is not counted, nor one appealed before its
deadline passed (the appeal stops the clock).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import F, Func, IntegerField, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from onething.cases import clock as case_clock
from onething.cases.models import Case
from onething.cases.services import clock_of
from onething.core import workdays
from onething.core.services import load_calendar
from onething.evaluation import deadlines as rating_deadlines
from onething.evaluation.models import Level, NegativeHandling, Rating

from .months import start_of_day


def unit_of(department_id, town_id) -> tuple[str, int] | None:
    """A unit's key: ("department", id) or ("town", id)."""
    if department_id:
        return ("department", department_id)
    if town_id:
        return ("town", town_id)
    return None


@dataclass
class Late:
    """One late case or rating, as the evidence lists it."""

    ref: str  # case number, or 差评 #id
    obj_id: int
    due: dt.date
    done_on: dt.date | None  # decision, withdrawal or verification; None: still open
    late_days: int  # calendar days after the limit, up to done_on or the day counted
    late_working_days: int
    what: str = ""

    def as_evidence(self) -> dict:
        return {
            "ref": self.ref,
            "id": self.obj_id,
            "what": self.what,
            "due": self.due.isoformat(),
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "late_days": self.late_days,
            "late_working_days": self.late_working_days,
        }


class _DecisionDues:
    """The promised and statutory decision dates of a clock, computed by `cases.clock` once
    per distinct clock: many cases share their acceptance day, limits and (no) pauses."""

    def __init__(self, calendar, as_of: dt.date):
        self.calendar, self.as_of, self.known = calendar, as_of, {}

    def __call__(self, key: tuple) -> tuple[dt.date, dt.date]:
        found = self.known.get(key)
        if found is None:
            accepted_on, statutory, s_unit, promised, p_unit, extension, pauses = key
            case = SimpleNamespace(
                state="accepted", received_on=accepted_on, accepted_on=accepted_on,
                decided_on=None, statutory_days=statutory, statutory_unit=s_unit,
                promised_days=promised, promised_unit=p_unit, extension_days=extension,
                pauses=json.loads(pauses) if pauses else [],
            )  # fmt: skip
            deadlines = case_clock.deadlines(
                clock_of(case), self.calendar, today=self.as_of, pre_review_days=1
            )
            found = self.known[key] = (deadlines.promised_due, deadlines.statutory_due)
        return found


def _late(calendar, due: dt.date, done_on: dt.date | None, month: dt.date, as_of: dt.date):
    """(calendar days, working days) late when the day after `due` falls in the month up to
    `as_of` and nothing was done by `due`; None otherwise."""
    first_late = due + dt.timedelta(days=1)
    if not (month <= first_late <= as_of) or (done_on is not None and done_on <= due):
        return None
    until = done_on or as_of
    return (until - due).days, workdays.working_days_between(calendar, due, until).working_days


@dataclass
class CaseLateness:
    """Per unit: the cases that became late in the month, by limit."""

    past_promised: dict = field(default_factory=lambda: defaultdict(list))
    past_statutory: dict = field(default_factory=lambda: defaultdict(list))


# A case open longer than this before the month is not looked at (the scan stays on the
# `submitted_at` index as years of cases accumulate); no legal limit comes near it.
LOOKBACK_DAYS = 400
_CLOCK = (
    "accepted_on", "statutory_days", "statutory_unit", "promised_days", "promised_unit",
    "extension_days", "pauses_text",
)  # fmt: skip


class _DaysBetween(Func):
    """Calendar days from the first date column to the second, in the database."""

    output_field = IntegerField()
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def __init__(self, start, end):
        super().__init__(end, start)

    def as_sqlite(self, compiler, connection, **extra):
        template = "CAST(julianday(%(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, arg_joiner=") - julianday(",
                           **extra)  # fmt: skip


def _decided_within_calendar_days() -> Q:
    """Decided no more calendar days after acceptance than either limit counts: in time for
    both whatever the calendar, pauses or extension (a limit of n working or calendar days
    never ends before n calendar days). Most cases; the scan skips them in SQL."""
    units = (case_clock.WORKING_DAY, case_clock.CALENDAR_DAY)
    return Q(
        promised_unit__in=units,
        statutory_unit__in=units,
        waited__lte=F("promised_days"),
    ) & Q(waited__lte=F("statutory_days"))


def case_lateness(month: dt.date, as_of: dt.date, calendar=None) -> CaseLateness:
    """The cases whose promised or statutory limit ran out in the month (up to `as_of`) with
    no decision or withdrawal by then. Two scans — cases decided from the month's first day on,
    and cases still undecided or withdrawn since — reading only the clock's columns; each
    distinct clock goes once through `cases.clock.deadlines`."""
    calendar = calendar or load_calendar()
    dues = _DecisionDues(calendar, as_of)
    scope = Case.objects.filter(
        submitted_at__gte=start_of_day(month - dt.timedelta(days=LOOKBACK_DAYS)),
        accepted_on__isnull=False,
        accepted_on__lte=as_of,
    ).annotate(pauses_text=Cast("pauses", TextField()))
    decided = (
        scope.filter(decided_on__gte=month)
        .alias(waited=_DaysBetween("accepted_on", "decided_on"))
        .exclude(_decided_within_calendar_days())
        .values_list("id", "department_id", "town_id", "decided_on", *_CLOCK)
    )
    undecided = scope.filter(
        Q(concluded_at__isnull=True) | Q(concluded_at__gte=start_of_day(month)),
        decided_on__isnull=True,
    ).values_list("id", "department_id", "town_id", "concluded_at", *_CLOCK)
    tz = timezone.get_current_timezone()
    result = CaseLateness()
    for rows, withdrawn in ((decided, False), (undecided, True)):
        for pk, department, town, done, *clock in rows.iterator(chunk_size=5000):
            unit = unit_of(department, town)
            if unit is None:
                continue
            if withdrawn and done is not None:
                done = done.astimezone(tz).date()  # withdrawn on that day
            promised, statutory = dues(tuple(clock))
            for due, into in ((promised, result.past_promised), (statutory, result.past_statutory)):
                late = _late(calendar, due, done, month, as_of)
                if late is not None:
                    into[unit].append(Late("", pk, due, done, *late))
    _name_cases(result)
    return result


def _name_cases(result: CaseLateness) -> None:
    """Case numbers and item names of the late cases (few) for the evidence."""
    lates = [late for per_unit in (result.past_promised, result.past_statutory)
             for found in per_unit.values() for late in found]  # fmt: skip
    names = {}
    ids = sorted({late.obj_id for late in lates})
    for chunk in range(0, len(ids), 2000):
        rows = Case.objects.filter(pk__in=ids[chunk : chunk + 2000]).values_list(
            "pk", "number", "handling_item__name"
        )
        names.update({pk: (number, item) for pk, number, item in rows})
    for late in lates:
        late.ref, late.what = names.get(late.obj_id, ("", ""))


def negatives_past_verify(month: dt.date, as_of: dt.date, calendar=None) -> dict:
    """Per unit: negative ratings whose verification deadline passed in the month unverified."""
    calendar = calendar or load_calendar()
    tz = timezone.get_current_timezone()
    found = defaultdict(list)
    fields = (
        "state", "opened_on", "verify_days", "rectify_days", "verified_at", "appealed_at",
        "rating_id", "rating__level", "rating__department_id", "rating__town_id",
    )  # fmt: skip
    rows = (
        NegativeHandling.objects.filter(
            opened_on__gte=month - dt.timedelta(days=120), opened_on__lt=as_of
        )
        .exclude(state=NegativeHandling.State.VOIDED)
        .exclude(rating__status=Rating.Status.VOIDED)
        .values_list(*fields)
    )
    levels = dict(Level.choices)
    for row in rows.iterator(chunk_size=5000):
        data = dict(zip(fields, row, strict=True))
        unit = unit_of(data["rating__department_id"], data["rating__town_id"])
        if unit is None:
            continue
        verified_at, appealed_at = data["verified_at"], data["appealed_at"]
        verified_on = verified_at.astimezone(tz).date() if verified_at else None
        handling = rating_deadlines.HandlingClock(
            data["state"], data["opened_on"], data["verify_days"], data["rectify_days"]
        )
        due = rating_deadlines.handling_deadlines(handling, calendar).verify_due
        if verified_on is None and appealed_at and appealed_at.astimezone(tz).date() <= due:
            continue  # appealed in time: the clock stopped before the deadline
        late = _late(calendar, due, verified_on, month, as_of)
        if late is not None:
            rating_id = data["rating_id"]
            what = levels.get(data["rating__level"], "")
            found[unit].append(Late(f"差评 #{rating_id}", rating_id, due, verified_on, *late, what))
    return found
