"""The work plan's indicators (指标): one declared registry, each with its formula, target and
source, computed for a month, the year to date or a year, with the rows behind the gap.

Periods (`parse_period`): `2026-10` a month; `2026-10:ytd` 1 January to the end of that month;
`2026` the year. An indicator the plan sets for the year only (年办件量) asked for a month is
computed for the year to date through that month, and its result says so (`Result.period`).
Deadlines are judged "as of" today: a step counts as late once its due day has passed.

What counts — each indicator's `counts` text is the precise rule; the choices behind them:
- Units. Departments are the district units (区直部门 and the park) that implement at least
  one on-application item; towns and communities are the regions valid on the period's last day
  (a retired code's cases and ratings count for its successor: 白马街道 430112014 → 430112017).
- A case belongs to the department or town it is routed to (`Case.department`/`Case.town`), and
  to a community when its item is that community's own item (level 6, `item.region`): the plan
  measures use of the platform at each level of 区、街镇、村社 (三（三）3), i.e. where cases are
  handled, not where applicants live; enterprises have no community at all.
- Item coverage counts district and town items (levels 4–5) of the on-application kinds
  (ItemKind.on_application: 依申请6类 and public services): the plan's denominator names 含乡镇
  街道事项 and nothing below. 网上可办率 keeps the catalog report's definition
  (catalog/reports.py: all district on-application items, online depth Ⅲ or Ⅳ) and, like it,
  reads the catalog as published now.
- "Concluded in the period": state 已办结 (or 已撤销 after it) with `concluded_at` in the
  period. Refused cases have no conclusion date and count in neither 按时办结率 nor 群众实际评价率.
- On time: the decision (`decided_on`) on or before the promised decision due — exactly
  `cases.clock.deadlines(...).promised_due`: from acceptance (or receipt), in the item's unit,
  plus the extension and the special procedures' time. Delivery afterwards has its own limit.
- Pre-review: a case's first receipt is its submission; its pre-review is the first of accept,
  correction request, refusal, deemed acceptance (late by law), or the system's instant or
  commitment approval at submission. Due `cases.pre_review_days` working days after receipt
  (the setting in force at the period's end). Not yet pre-reviewed and not yet due: not counted;
  withdrawn before its due without a pre-review: not counted.
- Negative ratings: due from the rating's day with the limits copied onto its handling (the rule
  of evaluation/deadlines.py); voided ratings and unverified ones under appeal do not count.
- 好评: 非常满意, 满意 and 基本满意 — the complement of 差评 (不满意, 非常不满意) in
  国办发〔2019〕51号.

Performance (260,000 cases a year on SQLite; benchmarks in the lead's note): the case
indicators come from two passes — the period's receipts (pre-review) and its conclusions (on
time, rated, overdue) — with conditional aggregation; two counts travel in one SUM (ON/LATE).
Working-day arithmetic is done in Python once per calendar day (a few hundred), pushed into SQL
as balanced CASE trees (`_Step`, ≈ log2(days) comparisons a row), and evaluated only for rows a
cheaper test cannot decide (decided on the first day; within n calendar days). Timeline events
are read only for the few cases whose pre-review the row cannot tell (corrections, refusals,
late or missing acceptance). Paused cases are listed by the same pass and judged in Python
(`WorkingDays.promised_due`, checked against the case clock by a property test). Coverage is
one index probe per item or unit.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.db.models import (
    Aggregate,
    BigIntegerField,
    Case,
    Count,
    DateField,
    DateTimeField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.utils import timezone

from onething.cases import clock
from onething.cases.models import Case as CaseRow
from onething.cases.models import CaseEvent
from onething.cases.workflow import TERMINAL, State
from onething.catalog.models import ServiceItem
from onething.core.district_settings import WORK_PLAN, get_setting
from onething.core.models import Department, Region
from onething.core.services import load_calendar
from onething.evaluation.models import Level, NegativeHandling, Rating

MONTH, YTD, YEAR = "month", "ytd", "year"
_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?P<ytd>:ytd)?)?$")
PERIOD_HELP = "统计期格式应为 YYYY-MM（月）、YYYY-MM:ytd（年初至该月末）或 YYYY（全年），如 2026-10"
LICENSING_LAW = "《中华人民共和国行政许可法》第四十二条"
RATING_RULES = (
    "《国务院办公厅关于建立政务服务“好差评”制度提高政务服务水平的意见》（国办发〔2019〕51号）"
)
PRE_REVIEW_ACTIONS = (
    "accept", "request-correction", "refuse", "deem-accept", "instant-approve",
    "commitment-approve",
)  # fmt: skip
CONCLUDED = (State.CONCLUDED, State.REVOKED)
ITEM_LEVELS = (ServiceItem.Level.DISTRICT, ServiceItem.Level.TOWN)
GOOD_LEVELS = (Level.VERY_SATISFIED, Level.SATISFIED, Level.BASIC)
# Two counts in one SUM: an on-time (or rated) row adds ON, any other counted row LATE, so
# SUM = on_time·2³² + counted. Exact for fewer than 2³¹ rows; splits with `_split`.
ON, LATE = 2**32 + 1, 1
# Paused cases and starts this many days before the period are judged in Python.
_LOOKBACK = 180


class PeriodInvalid(ValueError):
    pass


# --- Periods -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    month: int  # the last month of a year-to-date period; 12 for a year

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month if self.kind == MONTH else 1, 1)

    @property
    def end(self) -> dt.date:
        """The last day (inclusive)."""
        first_next = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return first_next - dt.timedelta(days=1)

    @property
    def text(self) -> str:
        if self.kind == YEAR:
            return str(self.year)
        return f"{self.year}-{self.month:02d}" + (":ytd" if self.kind == YTD else "")

    @property
    def label(self) -> str:
        if self.kind == YEAR:
            return f"{self.year}年"
        if self.kind == MONTH:
            return f"{self.year}年{self.month}月"
        return f"{self.year}年1月至{self.month}月"

    def year_to_date(self) -> Period:
        return self if self.kind != MONTH else Period(YTD, self.year, self.month)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes at local midnight."""
        return _midnight(self.start), _midnight(self.end + dt.timedelta(days=1))


def parse_period(text: str, *, today: dt.date | None = None) -> Period:
    """`2026-10`, `2026-10:ytd` or `2026`; PeriodInvalid says in Chinese what is allowed."""
    match = _PERIOD.match((text or "").strip())
    if not match:
        raise PeriodInvalid(PERIOD_HELP)
    year, month = int(match["year"]), int(match["month"] or 12)
    if not 2000 <= year <= 2100 or not 1 <= month <= 12:
        raise PeriodInvalid(f"统计期“{text}”不存在。{PERIOD_HELP}")
    kind = YEAR if match["month"] is None else YTD if match["ytd"] else MONTH
    period = Period(kind, year, month)
    today = today or timezone.localdate()
    if period.start > today:
        raise PeriodInvalid(f"统计期“{text}”尚未开始")
    return period


def current_month(today: dt.date | None = None) -> Period:
    today = today or timezone.localdate()
    return Period(MONTH, today.year, today.month)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


# --- Targets and results -------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """`op` value: a percentage for unit "%", a count for "件". A district choice names its
    setting (core/district_settings.py); a national rule is a constant with its citation."""

    op: str  # ">=" or "="
    value: int | None = None
    setting: str = ""

    def resolve(self, at: dt.datetime) -> int:
        return int(get_setting(self.setting, at=at)) if self.setting else int(self.value)


@dataclass(frozen=True)
class Result:
    code: str
    period: Period
    numerator: int
    denominator: int | None  # None: a count, not a rate
    value: float | int | None  # a ratio 0–1 for "%", None when the denominator is 0
    target: float | int  # a ratio 0–1 for "%"
    op: str
    met: bool | None  # None: nothing to judge (denominator 0)
    unit: str

    @property
    def value_text(self) -> str:
        if self.value is None:
            return "无数据"
        return f"{self.value * 100:.2f}%" if self.unit == "%" else f"{self.value:,}"

    @property
    def target_text(self) -> str:
        shown = f"{self.target * 100:g}%" if self.unit == "%" else f"{self.target:,}"
        return f"{'≥' if self.op == '>=' else '='} {shown}"

    @property
    def met_text(self) -> str:
        return {True: "达标", False: "未达标", None: "无数据"}[self.met]


def _rate(code, period, numerator, denominator, target_percent, op) -> Result:
    if not denominator:
        return Result(code, period, numerator, denominator, None, target_percent / 100, op, None,
                      "%")  # fmt: skip
    # Exact comparison in integers; the float is for display.
    met = numerator * 100 >= target_percent * denominator
    if op == "=":
        met = numerator * 100 == target_percent * denominator
    value = round(numerator / denominator, 4)
    return Result(code, period, numerator, denominator, value, target_percent / 100, op, met, "%")


def _count(code, period, count, target, op) -> Result:
    met = count >= target if op == ">=" else count == target
    return Result(code, period, count, None, count, target, op, met, "件")


# --- Working days in Python and in SQL -----------------------------------------------------


class WorkingDays:
    """Working-day numbers: `number(d)` counts working days up to and including `d`. Built once
    per request from the official calendar (cases.clock and core.workdays give the same dates)."""

    def __init__(self, calendar, first: dt.date, last: dt.date):
        self.calendar = calendar
        self._build(first, last)

    def _build(self, first: dt.date, last: dt.date) -> None:
        self.first, self.last, self.numbers = first, last, []
        count, day = 0, first
        while day <= last:
            count += self.calendar.is_working_day(day)
            self.numbers.append(count)
            day += dt.timedelta(days=1)

    def _cover(self, day: dt.date) -> None:
        if not self.first <= day <= self.last:
            self._build(min(day, self.first) - dt.timedelta(days=31),
                        max(day, self.last) + dt.timedelta(days=400))  # fmt: skip

    def number(self, day: dt.date) -> int:
        self._cover(day)
        return self.numbers[(day - self.first).days]

    def rank(self, day: dt.date) -> int:
        """2·number, +1 on a rest day: `rank(d) <= 2·number(s) + 2n` ⇔ d ≤ the n-th working
        day after s (n ≥ 1), without knowing that day."""
        return 2 * self.number(day) + (not self.calendar.is_working_day(day))

    def add(self, start: dt.date, days: int) -> dt.date:
        """workdays.add_working_days(calendar, start, days).due."""
        if days <= 0:
            return start
        target = self.number(start) + days
        while target > self.numbers[-1]:
            self._cover(self.last + dt.timedelta(days=days * 2 + 30))
        return self.first + dt.timedelta(days=bisect.bisect_left(self.numbers, target))

    def promised_due(self, start, days, unit, extension, pauses, today) -> dt.date:
        """clock.deadlines(...).promised_due, in O(pauses) (a property test checks they agree)."""
        if unit == clock.CALENDAR_DAY:
            paused = sum(((e or today) - s).days for s, e in pauses if (e or today) > s)
            return self.add(start + dt.timedelta(days=days + paused), extension)
        total = (math.ceil(days / 8) if unit == clock.HOUR else days) + extension
        for s, e in pauses:
            end = e or today
            if end > s:
                total += self.number(end) - self.number(s)
        return self.add(start, total)


class _DayNumber(Func):
    """Days since 1970-01-01 of a date column, with the database's own date arithmetic."""

    output_field = IntegerField()
    template = "(%(expressions)s - DATE '1970-01-01')"

    def as_sqlite(self, compiler, connection, **extra):
        template = "CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)


class _IdList(Aggregate):
    """The non-null values as one comma-separated text (GROUP_CONCAT / STRING_AGG)."""

    function = "GROUP_CONCAT"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="STRING_AGG",
                           template="%(function)s(CAST(%(expressions)s AS TEXT), ',')",
                           **extra)  # fmt: skip


class _Step(Expression):
    """The value of the last break whose key ≤ `expression` (keys ascending; the first value
    below the first key): a balanced CASE tree, ~log2(len) comparisons a row. Its SQL is put
    together here rather than from hundreds of Case objects, which Django compiles slowly."""

    def __init__(self, expression, breaks: list[tuple], key_field, output_field):
        super().__init__(output_field=output_field)
        self.expression, self.key_field = expression, key_field
        self.breaks = []
        for key, value in breaks:
            if not self.breaks or self.breaks[-1][1] != value:
                self.breaks.append((key, value))

    def get_source_expressions(self):
        return [self.expression]

    def set_source_expressions(self, expressions):
        (self.expression,) = expressions

    def as_sql(self, compiler, connection):
        column, column_params = compiler.compile(self.expression)
        keys = [self.key_field.get_db_prep_value(k, connection) for k, _ in self.breaks]
        values = [self.output_field.get_db_prep_value(v, connection) for _, v in self.breaks]

        def tree(lo: int, hi: int) -> tuple[str, list]:
            if hi - lo == 1:
                return "%s", [values[lo]]
            mid = (lo + hi) // 2
            low, low_params = tree(lo, mid)
            high, high_params = tree(mid, hi)
            sql = f"CASE WHEN {column} < %s THEN {low} ELSE {high} END"
            return sql, [*column_params, keys[mid], *low_params, *high_params]

        sql, params = tree(0, len(self.breaks))
        return f"({sql})", params


def _split(total) -> tuple[int, int]:
    """(on time, counted) from a sum of ON and LATE codes."""
    total = int(total or 0)
    return total >> 32, total & (2**32 - 1)


def _days(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


# --- What the indicators of one period share -------------------------------------------------


@dataclass(frozen=True)
class Unit:
    section: str  # "department", "town", "community", "item"
    id: int
    code: str
    name: str
    parent: str = ""  # a community's town; an item's unit
    kind: str = ""  # an item's kind


class Context:
    """One period's shared reads, each made at most once: the calendar, the units and items in
    scope, the passes over the period's cases, the ratings and negative ratings."""

    def __init__(self, period: Period, *, today: dt.date | None = None):
        self.period = period
        self.today = today or timezone.localdate()
        self.start, self.end = period.bounds()
        self.at = min(self.end, timezone.now())  # settings as they stood at the period's end
        self.district = settings.ONETHING_DISTRICT_CODE

    @cached_property
    def days(self) -> WorkingDays:
        first = self.period.start - dt.timedelta(days=_LOOKBACK + 31)
        return WorkingDays(
            load_calendar(), first, max(self.period.end, self.today) + dt.timedelta(60)
        )

    def setting(self, key: str) -> int:
        return int(get_setting(key, at=self.at))

    # Units and items.

    def _in_district(self, prefix: str = "") -> Q:
        d = self.district
        return (
            Q(**{f"{prefix}region__code": d})
            | Q(**{f"{prefix}region__parent__code": d})
            | Q(**{f"{prefix}region__parent__parent__code": d})
        )

    def application_items(self):
        """District items of the on-application kinds (网上可办率's base, as catalog/reports.py)."""
        return ServiceItem.objects.filter(self._in_district(), kind__on_application=True)

    @cached_property
    def departments(self) -> list[Unit]:
        rows = (
            Department.objects.filter(items__in=self.application_items())
            .distinct()
            .order_by("sort_order", "code")
            .values_list("id", "code", "name")
        )
        return [Unit("department", *row) for row in rows]

    @cached_property
    def _regions(self) -> list:
        d = self.district
        return list(
            Region.objects.filter(
                Q(level=Region.Level.TOWN, parent__code=d)
                | Q(level=Region.Level.COMMUNITY, parent__parent__code=d)
            )
            .order_by("code")
            .values_list("id", "code", "name", "level", "parent__name", "successor_id",
                         "valid_from", "valid_to")
        )  # fmt: skip

    def _valid(self, row) -> bool:
        end = self.period.end
        return (row[6] is None or row[6] <= end) and (row[7] is None or row[7] >= end)

    @cached_property
    def towns(self) -> list[Unit]:
        return [Unit("town", r[0], r[1], r[2]) for r in self._regions
                if r[3] == Region.Level.TOWN and self._valid(r)]  # fmt: skip

    @cached_property
    def communities(self) -> list[Unit]:
        return [Unit("community", r[0], r[1], r[2], r[4]) for r in self._regions
                if r[3] == Region.Level.COMMUNITY and self._valid(r)]  # fmt: skip

    def credit(self, region_ids) -> set[int]:
        """The regions in scope that `region_ids` stand for: a retired code counts for its
        successor."""
        successor = {r[0]: r[5] for r in self._regions}
        found = set()
        for region_id in region_ids:
            for _ in range(5):
                if successor.get(region_id) is None:
                    break
                region_id = successor[region_id]
            found.add(region_id)
        return found

    @cached_property
    def items(self) -> list[Unit]:
        """Items of the coverage indicators: district and town items of the on-application
        kinds."""
        rows = (
            self.application_items()
            .filter(level__in=ITEM_LEVELS)
            .order_by("implementation_code")
            .values_list("id", "implementation_code", "name", "department__name",
                         "region__name", "kind__name")
        )  # fmt: skip
        return [Unit("item", i, code, name, dept or region, kind)
                for i, code, name, dept, region, kind in rows]  # fmt: skip

    # Coverage: one index probe per unit or item.

    def _probe(self, model, ids, **filters) -> set[int]:
        rows = filters.pop("rows").filter(**filters).order_by()
        found = model.objects.filter(pk__in=ids).filter(Exists(rows)).order_by()
        return set(found.values_list("pk", flat=True))

    @cached_property
    def cases_by_unit(self) -> dict[str, set[int]]:
        """Departments, towns, communities and items with at least one case in the period.

        One index probe per district item (case_item_month); a unit has cases when an item
        routed to it has (cases/services._route: the item's department, else the town of a
        town's or community's own item) — the same units the cases themselves carry."""
        rows = CaseRow.objects.filter(item_id=OuterRef("pk"), submitted_at__gte=self.start,
                                      submitted_at__lt=self.end).order_by()  # fmt: skip
        found = (
            ServiceItem.objects.filter(self._in_district())
            .filter(Exists(rows))
            .order_by()
            .values_list("pk", "level", "department_id", "region_id", "region__level",
                         "region__parent_id")
        )  # fmt: skip
        covered = {"department": set(), "town": set(), "community": set(), "item": set()}
        for pk, level, department, region, region_level, parent in found:
            covered["item"].add(pk)
            if department:
                covered["department"].add(department)
            elif region_level == Region.Level.TOWN:
                covered["town"].add(region)
            elif region_level == Region.Level.COMMUNITY:
                covered["town"].add(parent)
                if level == ServiceItem.Level.VILLAGE:
                    covered["community"].add(region)
        covered["town"] = self.credit(covered["town"])
        covered["community"] = self.credit(covered["community"])
        return covered

    @cached_property
    def ratings_by_unit(self) -> dict[str, set[int]]:
        """Departments, towns and items with at least one valid rating in the period."""
        rows = self.valid_ratings
        towns = [r[0] for r in self._regions if r[3] == Region.Level.TOWN]
        return {
            "department": self._probe(Department, [u.id for u in self.departments],
                                      rows=rows, department_id=OuterRef("pk")),
            "town": self.credit(self._probe(Region, towns, rows=rows, town_id=OuterRef("pk"))),
            "item": self._probe(ServiceItem, [i.id for i in self.items], rows=rows,
                                item_id=OuterRef("pk")),
        }  # fmt: skip

    @cached_property
    def valid_ratings(self):
        return Rating.objects.filter(
            status=Rating.Status.VALID, created_at__gte=self.start, created_at__lt=self.end
        )

    # The passes over the period's cases.

    def _received(self) -> Q:
        return Q(submitted_at__gte=self.start, submitted_at__lt=self.end)

    def _concluded(self) -> Q:
        return Q(state__in=CONCLUDED, concluded_at__gte=self.start, concluded_at__lt=self.end)

    @cached_property
    def pre_review_days(self) -> int:
        return self.setting("cases.pre_review_days")

    @cached_property
    def _pre_review_breaks(self) -> dict:
        """Per receipt day of the period: its pre-review due, and the thresholds SQL needs."""
        days, n, period = self.days, self.pre_review_days, self.period
        receipts = list(_days(period.start, period.end))
        due = [days.add(r, n) for r in receipts]
        after = [_midnight(d + dt.timedelta(days=1)) for d in due]
        # An acceptance on day a is in time for a receipt on or after the first day whose due
        # is a or later (dues rise with the receipt day).
        accepted, index = [], 0
        for a in _days(period.start, due[-1] + dt.timedelta(days=1)):
            while index < len(due) and due[index] < a:
                index += 1
            accepted.append((a, _midnight(receipts[index]) if index < len(due) else self.end))
        passed = bisect.bisect_left(due, self.today)  # receipts before it are past due
        return {
            "due": dict(zip(receipts, due, strict=True)),
            "accepted": accepted,
            "cutoff": [(_midnight(r), c) for r, c in zip(receipts, after, strict=True)],
            "passed": _midnight(receipts[passed]) if passed < len(receipts) else self.end,
        }

    def pre_review_code(self):
        """Over `received()`: ON pre-reviewed in time; LATE pre-reviewed late, or not at all and
        past due; 0 not due yet (or withdrawn before its due)."""
        b = self._pre_review_breaks
        when = DateTimeField()
        cutoff = _Step(F("submitted_at"), b["cutoff"], when, when)
        events = CaseEvent.objects.filter(case_id=OuterRef("pk"), action__in=PRE_REVIEW_ACTIONS)
        first = Subquery(events.order_by("at").values("at")[:1])
        accepted_by = _Step(F("accepted_on"), b["accepted"], DateField(), when)
        return Case(
            When(route__in=(CaseRow.Route.INSTANT, CaseRow.Route.COMMITMENT), then=ON),
            # Accepted (not by law) on the day of submission, or by the receipt's due.
            When(Q(accepted_on__isnull=False, deemed_accepted=False)
                 & (Q(submitted_at__gte=F("accepted_on")) | Q(submitted_at__gte=accepted_by)),
                 then=ON),
            # Otherwise the first pre-review action on the timeline decides (a correction or a
            # refusal); only these few rows read events.
            When(Q(LessThan(first, cutoff)), then=ON),
            When(Q(accepted_on__isnull=False) | Q(Exists(events)), then=LATE),
            When(Q(submitted_at__lt=b["passed"])
                 & ~Q(state=State.WITHDRAWN, concluded_at__lt=cutoff), then=LATE),
            default=0,
            output_field=BigIntegerField(),
        )  # fmt: skip

    @cached_property
    def _lookback(self) -> dt.date:
        return self.period.start - dt.timedelta(days=_LOOKBACK)

    def _start(self):
        return Coalesce("accepted_on", "received_on")

    def _judged_in_python(self) -> Q:
        """Concluded cases whose promised due SQL does not compute: paused, a limit in hours,
        a calendar-day limit with an extension, a start before the look-back, no decision."""
        return (
            ~Q(pauses=[])
            | Q(promised_unit=clock.HOUR)
            | Q(promised_unit=clock.CALENDAR_DAY, extension_days__gt=0)
            | Q(decided_on__isnull=True)
            | Q(decided_on__gt=self.period.end)
            | Q(LessThan(self._start(), self._lookback))
        )

    def on_time_code(self):
        """Over `concluded()`: ON decided by the promised due; LATE decided after it; 0 not
        concluded after all (the state is tested here, see `concluded`), or judged in Python."""
        days, first, last = self.days, self._lookback, self.period.end
        start, number = self._start(), IntegerField()
        limit = ExpressionWrapper(F("promised_days") + F("extension_days"), number)
        twice_start = _Step(start, [(d, 2 * days.number(d)) for d in _days(first, last)],
                            DateField(), number)  # fmt: skip
        rank = _Step(F("decided_on"), [(d, days.rank(d)) for d in _days(first, last)],
                     DateField(), number)  # fmt: skip
        waited = ExpressionWrapper(_DayNumber("decided_on") - _DayNumber(start), number)
        return Case(
            When(~Q(state__in=CONCLUDED), then=0),
            # Decided on its first day: in time whatever the limit, pauses or extension.
            When(decided_on__lte=start, then=ON),
            When(self._judged_in_python(), then=0),
            When(promised_unit=clock.CALENDAR_DAY,
                 then=Case(When(Q(LessThan(F("promised_days"), waited)), then=LATE), default=ON)),
            # n calendar days never reach past n working days; a zero limit ends on the start day.
            When(Q(LessThan(waited, limit + 1)), then=ON),
            When(Q(LessThan(limit, 1)), then=LATE),
            When(Q(LessThan(rank, twice_start + 2 * limit + 1)), then=ON),
            default=LATE,
            output_field=BigIntegerField(),
        )  # fmt: skip

    def rated_code(self):
        rated = Rating.objects.filter(
            case_id=OuterRef("pk"), subject=Rating.Subject.CASE, status=Rating.Status.VALID
        )
        return Case(
            When(~Q(state__in=CONCLUDED), then=0),
            When(Exists(rated), then=ON),
            default=LATE,
            output_field=BigIntegerField(),
        )

    def received(self):
        """Cases submitted (first received) in the period."""
        return CaseRow.objects.filter(self._received())

    def concluded(self):
        """Cases whose conclusion time is in the period; the codes test the state, so that
        SQLite scans the table once rather than walking the state index, which matches nearly
        every row (an index on `concluded_at` would serve this directly)."""
        return CaseRow.objects.filter(concluded_at__gte=self.start, concluded_at__lt=self.end)

    @cached_property
    def case_scan(self) -> dict:
        """Two passes: the period's receipts, and its conclusions."""
        pre_review = self.received().aggregate(n=Sum(self.pre_review_code()))["n"]
        judged = Q(state__in=CONCLUDED) & ~Q(decided_on__lte=self._start())
        totals = self.concluded().aggregate(
            on_time=Sum(self.on_time_code()),
            rated=Sum(self.rated_code()),
            others=_IdList(Case(When(judged & self._judged_in_python(), then=F("id")))),
        )
        on_time, concluded = _split(totals["on_time"])
        for row in self._python_judged(totals["others"]):
            concluded += 1
            on_time += row["on_time"]
        return {
            "pre_review": _split(pre_review),
            "on_time": (on_time, concluded),
            "rated": _split(totals["rated"]),
        }

    def _python_judged(self, ids_text: str | None) -> list[dict]:
        ids = [int(i) for i in (ids_text or "").split(",") if i]
        rows = []
        for chunk in range(0, len(ids), 5000):
            found = CaseRow.objects.filter(pk__in=ids[chunk : chunk + 5000])
            rows += [self._judge(row) for row in found.values(*_CASE_FIELDS)]
        return rows

    def _judge(self, row: dict) -> dict:
        """A concluded case with its promised due, computed as cases.clock does."""
        pauses = [
            (dt.date.fromisoformat(p["start"]),
             dt.date.fromisoformat(p["end"]) if p.get("end") else None)
            for p in row["pauses"]
        ]  # fmt: skip
        due = self.days.promised_due(
            row["accepted_on"] or row["received_on"], row["promised_days"],
            row["promised_unit"], row["extension_days"], pauses, self.today,
        )  # fmt: skip
        decided = row["decided_on"]
        return {**row, "due": due, "on_time": decided is not None and decided <= due}

    @cached_property
    def overdue_open(self):
        """Cases not concluded whose current step (the workbench's `due_on`) fell due in the
        period before today."""
        last = min(self.period.end, self.today - dt.timedelta(days=1))
        return CaseRow.objects.exclude(state__in=TERMINAL).filter(
            due_on__gte=self.period.start, due_on__lte=last
        )

    @cached_property
    def handlings(self) -> list[dict]:
        """Negative ratings made in the period (not voided) with their verify and rectify
        verdicts: True in time, False late (or undone past due), None not due yet."""
        rows = (
            NegativeHandling.objects.filter(
                opened_on__gte=self.period.start, opened_on__lte=self.period.end
            )
            .exclude(state=NegativeHandling.State.VOIDED)
            .exclude(rating__status=Rating.Status.VOIDED)
            .order_by("opened_on", "id")
            .values("id", "rating_id", "opened_on", "verify_days", "rectify_days", "verified_at",
                    "rectified_at", "state")
        )  # fmt: skip
        found, dues, zone = [], {}, timezone.get_current_timezone()
        for row in rows:
            appealed = row["state"] == NegativeHandling.State.APPEALED
            for step, days_key, done_key in (
                ("verify", "verify_days", "verified_at"),
                ("rectify", "rectify_days", "rectified_at"),
            ):
                key = (row["opened_on"], row[days_key])
                due = dues.get(key) or dues.setdefault(key, self.days.add(*key))
                done = row[done_key].astimezone(zone).date() if row[done_key] else None
                verdict = None
                if done is not None:
                    verdict = done <= due
                elif due < self.today and not appealed:
                    verdict = False
                row[f"{step}_due"], row[f"{step}_on"], row[step] = due, done, verdict
            found.append(row)
        return found


_CASE_FIELDS = (
    "id", "number", "accepted_on", "received_on", "decided_on", "promised_days", "promised_unit",
    "extension_days", "pauses", "department__name", "town__name", "item__name",
    "item__implementation_code",
)  # fmt: skip


# --- The indicators ------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    formula: str  # the plan's words where it gives a formula
    counts: str  # exactly what is counted
    source: str  # document and clause
    unit: str  # "%" or "件"
    target: Target
    calculate: object  # (Context, Indicator) -> Result
    missing: object  # (Context) -> list[dict]: the rows behind the gap
    columns: tuple[Column, ...]
    sections: dict  # section key -> heading of the drill-down's rows of that kind
    periods: tuple[str, ...] = (MONTH, YTD, YEAR)

    def period_for(self, period: Period) -> Period:
        """The period this indicator is computed for when `period` is asked."""
        return period if period.kind in self.periods else period.year_to_date()

    def target_value(self, context: Context) -> int:
        return self.target.resolve(context.at)

    def compute(self, period: Period, *, today: dt.date | None = None) -> Result:
        return self.calculate(Context(self.period_for(period), today=today), self)

    def drilldown(self, period: Period, *, today: dt.date | None = None) -> list[dict]:
        """The rows behind the gap, each with its `section` (a key of `sections`)."""
        return self.missing(Context(self.period_for(period), today=today))


def _plan(clause: str, words: str) -> str:
    return f"{WORK_PLAN}{clause}：“{words}”"


UNIT_COLUMNS = (Column("code", "代码"), Column("name", "名称"), Column("parent", "所属"))
ITEM_COLUMNS = (
    Column("code", "实施编码"), Column("name", "事项名称"), Column("parent", "实施主体"),
    Column("kind", "事项类型"),
)  # fmt: skip
CASE_COLUMNS = (
    Column("number", "办件编号"), Column("item", "事项"), Column("unit", "办理单位"),
    Column("start", "起算日"), Column("due", "期限"), Column("done", "完成日"),
    Column("state", "状态"),
)  # fmt: skip
HANDLING_COLUMNS = (
    Column("rating", "评价编号"), Column("opened_on", "差评日期"), Column("unit", "责任单位"),
    Column("item", "事项"), Column("due", "期限"), Column("done", "完成日"),
    Column("state", "状态"),
)  # fmt: skip
RATING_COLUMNS = (
    Column("rating", "评价编号"), Column("created", "评价时间"), Column("level", "评价等级"),
    Column("channel", "渠道"), Column("unit", "单位"), Column("item", "事项"),
)  # fmt: skip
SHARE_COLUMNS = (Column("name", "单位"), Column("numerator", "分子"),
                 Column("denominator", "分母"), Column("value", "比率"))  # fmt: skip


def _unit_row(unit: Unit) -> dict:
    row = {"section": unit.section, "code": unit.code, "name": unit.name, "parent": unit.parent}
    if unit.section == "item":
        row["kind"] = unit.kind
    return row


def _missing(units: list[Unit], covered: set[int]) -> list[dict]:
    return [_unit_row(u) for u in units if u.id not in covered]


def _covered(units: list[Unit], covered: set[int]) -> int:
    return sum(u.id in covered for u in units)


# Each compute reads the context once; `code` and `target` come from the registry entry.


def _rating_level_coverage(c: Context, i: Indicator) -> Result:
    units = c.departments + c.towns
    covered = c.ratings_by_unit
    n = _covered(c.departments, covered["department"]) + _covered(c.towns, covered["town"])
    return _rate(i.code, c.period, n, len(units), i.target_value(c), i.target.op)


def _rating_level_missing(c: Context) -> list[dict]:
    covered = c.ratings_by_unit
    return _missing(c.departments, covered["department"]) + _missing(c.towns, covered["town"])


def _rating_item_coverage(c: Context, i: Indicator) -> Result:
    n = _covered(c.items, c.ratings_by_unit["item"])
    return _rate(i.code, c.period, n, len(c.items), i.target_value(c), i.target.op)


def _handling_rate(step: str):
    def compute(c: Context, i: Indicator) -> Result:
        verdicts = [h[step] for h in c.handlings if h[step] is not None]
        return _rate(i.code, c.period, sum(verdicts), len(verdicts), i.target_value(c),
                     i.target.op)  # fmt: skip

    return compute


def _handling_late(step: str):
    def rows(c: Context) -> list[dict]:
        labels = dict(NegativeHandling.State.choices)
        late = [h for h in c.handlings if h[step] is False]
        names = {
            pk: (department or town or "", item or "")
            for pk, department, town, item in Rating.objects.filter(
                pk__in=[h["rating_id"] for h in late]
            ).values_list("pk", "department__name", "town__name", "item__name")
        }
        return [
            {"section": "handling", "rating": h["rating_id"], "opened_on": h["opened_on"],
             "unit": names[h["rating_id"]][0], "item": names[h["rating_id"]][1],
             "due": h[f"{step}_due"], "done": h[f"{step}_on"] or "未完成",
             "state": labels.get(h["state"], h["state"])}
            for h in late
        ]  # fmt: skip

    return rows


def _actual_rating_rate(c: Context, i: Indicator) -> Result:
    rated, concluded = c.case_scan["rated"]
    return _rate(i.code, c.period, rated, concluded, i.target_value(c), i.target.op)


def _level_coverage(c: Context, i: Indicator) -> Result:
    covered = c.cases_by_unit
    n = (
        _covered(c.departments, covered["department"])
        + _covered(c.towns, covered["town"])
        + _covered(c.communities, covered["community"])
    )
    total = len(c.departments) + len(c.towns) + len(c.communities)
    return _rate(i.code, c.period, n, total, i.target_value(c), i.target.op)


def _level_missing(c: Context) -> list[dict]:
    covered = c.cases_by_unit
    return (
        _missing(c.departments, covered["department"])
        + _missing(c.towns, covered["town"])
        + _missing(c.communities, covered["community"])
    )


def _item_coverage(c: Context, i: Indicator) -> Result:
    n = _covered(c.items, c.cases_by_unit["item"])
    return _rate(i.code, c.period, n, len(c.items), i.target_value(c), i.target.op)


def _case_volume(c: Context, i: Indicator) -> Result:
    count = c.received().count()
    return _count(i.code, c.period, count, i.target_value(c), i.target.op)


def _online_availability(c: Context, i: Indicator) -> Result:
    items = c.application_items()
    n, total = items.filter(online_depth__gte=3).count(), items.count()
    return _rate(i.code, c.period, n, total, i.target_value(c), i.target.op)


def _not_online(c: Context) -> list[dict]:
    rows = (
        c.application_items()
        .filter(online_depth__lt=3)
        .order_by("implementation_code")
        .values_list("implementation_code", "name", "department__name", "region__name",
                     "kind__name", "online_depth")
    )  # fmt: skip
    return [{"section": "item", "code": code, "name": name, "parent": dept or region,
             "kind": f"{kind}（网办深度{depth}级）"}
            for code, name, dept, region, kind, depth in rows]  # fmt: skip


def _pre_review(c: Context, i: Indicator) -> Result:
    n, total = c.case_scan["pre_review"]
    return _rate(i.code, c.period, n, total, i.target_value(c), i.target.op)


def _on_time(c: Context, i: Indicator) -> Result:
    n, total = c.case_scan["on_time"]
    return _rate(i.code, c.period, n, total, i.target_value(c), i.target.op)


def _overdue(c: Context, i: Indicator) -> Result:
    on_time, concluded = c.case_scan["on_time"]
    count = concluded - on_time + c.overdue_open.count()
    return _count(i.code, c.period, count, i.target_value(c), i.target.op)


def _good_rating_rate(c: Context, i: Indicator) -> Result:
    good = Q(level__in=GOOD_LEVELS)
    found = c.valid_ratings.aggregate(total=Count("pk"), good=Count("pk", filter=good))
    return _rate(i.code, c.period, found["good"], found["total"], i.target_value(c), i.target.op)


# Drill-downs that list cases, ratings or units' shares.


def _unit_name(row: dict) -> str:
    return row.get("department__name") or row.get("town__name") or ""


def _case_row(row: dict, section: str, start, due, done) -> dict:
    return {"section": section, "number": row["number"], "item": row["item__name"],
            "unit": _unit_name(row), "start": start, "due": due, "done": done or "未完成",
            "state": STATE_LABELS.get(row["state"], row["state"])}  # fmt: skip


STATE_LABELS = dict(State.choices)


def _late_concluded(c: Context) -> list[dict]:
    fields = (*_CASE_FIELDS, "state")
    late = c.concluded().alias(code=c.on_time_code()).filter(code=LATE)
    rows = [c._judge(row) for row in late.values(*fields)]
    judged = (
        c.concluded()
        .filter(Q(state__in=CONCLUDED) & c._judged_in_python())
        .exclude(decided_on__lte=c._start())
    )
    rows += [r for r in (c._judge(row) for row in judged.values(*fields)) if not r["on_time"]]
    rows.sort(key=lambda r: (r["due"], r["number"]))
    return [
        _case_row(r, "late", r["accepted_on"] or r["received_on"], r["due"], r["decided_on"])
        for r in rows
    ]


def _overdue_rows(c: Context) -> list[dict]:
    open_rows = c.overdue_open.order_by("due_on", "number").values(
        "number", "item__name", "department__name", "town__name", "received_on", "due_on",
        "state")  # fmt: skip
    return _late_concluded(c) + [
        _case_row(r, "open", r["received_on"], r["due_on"], None) for r in open_rows
    ]


def _late_pre_review(c: Context) -> list[dict]:
    late = c.received().alias(code=c.pre_review_code()).filter(code=LATE)
    rows = list(late.order_by("submitted_at", "id").values(
        "id", "number", "item__name", "department__name", "town__name", "submitted_at",
        "state"))  # fmt: skip
    first = {}
    ids = [r["id"] for r in rows]
    for chunk in range(0, len(ids), 5000):
        events = CaseEvent.objects.filter(
            case_id__in=ids[chunk : chunk + 5000], action__in=PRE_REVIEW_ACTIONS
        )
        first.update(events.values("case_id").annotate(at=Min("at")).values_list("case_id", "at"))
    due = c._pre_review_breaks["due"]
    found = []
    for r in rows:
        received = timezone.localdate(r["submitted_at"])
        done = timezone.localdate(first[r["id"]]) if r["id"] in first else None
        found.append(_case_row(r, "case", received, due[received], done))
    return found


def _rating_shares(c: Context) -> list[dict]:
    """Per department and town: concluded cases of the period, how many rated, lowest first."""
    groups = (
        c.concluded()
        .values("department__name", "town__name")
        .annotate(pair=Sum(c.rated_code()))
        .order_by()
    )
    rows = []
    for group in groups:
        rated, concluded = _split(group["pair"])
        rows.append({"section": "unit", "name": _unit_name(group) or "未分配单位",
                     "numerator": rated, "denominator": concluded,
                     "value": f"{rated / concluded * 100:.2f}%"})  # fmt: skip
    return sorted(rows, key=lambda r: (r["numerator"] / r["denominator"], r["name"]))


def _volume_by_unit(c: Context) -> list[dict]:
    counts = {}
    groups = c.received().values("department_id", "town_id")
    for group in groups.annotate(n=Count("*")).order_by():
        key = ("department", group["department_id"]) if group["department_id"] else (
            "town", next(iter(c.credit([group["town_id"]])), None))  # fmt: skip
        counts[key] = counts.get(key, 0) + group["n"]
    rows = [{"section": "unit", "name": u.name, "numerator": counts.get((u.section, u.id), 0),
             "denominator": "", "value": ""} for u in c.departments + c.towns]  # fmt: skip
    return sorted(rows, key=lambda r: (r["numerator"], r["name"]))


def _bad_ratings(c: Context) -> list[dict]:
    rows = (
        c.valid_ratings.filter(level__lt=3)
        .order_by("created_at", "id")
        .values(
            "id", "created_at", "level", "channel", "department__name", "town__name", "item__name"
        )
    )
    levels, channels = dict(Level.choices), dict(Rating._meta.get_field("channel").choices)
    return [{"section": "rating", "rating": r["id"],
             "created": timezone.localtime(r["created_at"]).strftime("%Y-%m-%d %H:%M"),
             "level": levels[r["level"]], "channel": channels.get(r["channel"], r["channel"]),
             "unit": _unit_name(r), "item": r["item__name"] or ""}
            for r in rows]  # fmt: skip


def _setting(key: str) -> Target:
    return Target(">=", setting=f"indicators.{key}")


INDICATORS: list[Indicator] = [
    Indicator(
        code="rating-level-coverage", name="评价层级覆盖率",
        formula="评价层级覆盖率=(覆盖部门数+覆盖乡镇街道数)/(部门数+乡镇街道数)*100%",
        counts="分子：统计期内至少有一条有效评价（经申诉核定无效的除外，办件、窗口服务、热线工单"
               "评价均计）的部门数与乡镇街道数之和；分母：实施依申请事项的区直部门（含园区）数与"
               "统计期末有效的乡镇街道数之和。",
        source=_plan("三（二）7", "‘好差评’评价层级覆盖率达到100%"),
        unit="%", target=_setting("rating_level_coverage_target"),
        calculate=_rating_level_coverage, missing=_rating_level_missing, columns=UNIT_COLUMNS,
        sections={"department": "无有效评价的部门", "town": "无有效评价的乡镇街道"},
    ),
    Indicator(
        code="rating-item-coverage", name="评价事项覆盖率",
        formula="评价事项覆盖率=评价数据覆盖的事项数/行政权力依申请类事项和公共服务依申请事项的"
                "事项数(含乡镇街道事项)*100%",
        counts="分子：统计期内至少有一条有效评价的事项数；分母：区级和乡镇街道级的依申请6类及公共"
               "服务事项数（村（社区）级事项不计）。",
        source=_plan("三（二）7", "评价事项覆盖率……全市排名靠前且不低于40%"),
        unit="%", target=_setting("rating_item_coverage_target"),
        calculate=_rating_item_coverage, missing=lambda c: _missing(c.items,
                                                                    c.ratings_by_unit["item"]),
        columns=ITEM_COLUMNS, sections={"item": "无评价数据的事项"},
    ),
    Indicator(
        code="negative-verify-timely", name="差评核实及时率",
        formula="差评核实及时率=按时核实的差评数/应核实的差评数*100%（1个工作日内完成差评核实）",
        counts="统计期内产生的差评（不满意、非常不满意；申诉成立作废的除外）中：分子为在差评次日起"
               "核实时限（开单时的设置，默认1个工作日）内核实的；分母为已核实的与超过期限仍未核实的"
               "（尚未到期或申诉审核中未核实的不计）。",
        source=_plan("三（二）7", "1个工作日内完成差评核实"),
        unit="%", target=_setting("negative_verify_target"),
        calculate=_handling_rate("verify"), missing=_handling_late("verify"),
        columns=HANDLING_COLUMNS, sections={"handling": "未按时核实的差评"},
    ),
    Indicator(
        code="negative-rectify-timely", name="差评整改及时率",
        formula="差评整改及时率=按时整改（处置）的差评数/应整改的差评数*100%（10个工作日内完成"
                "差评处置）",
        counts="统计期内产生的差评（申诉成立作废的除外）中：分子为在差评次日起整改时限（开单时的"
               "设置，默认10个工作日）内整改或解释说明的；分母为已整改或解释的与超过期限仍未处置的"
               "（尚未到期或申诉审核中未处置的不计）。",
        source=_plan("三（二）7", "10个工作日内完成差评处置"),
        unit="%", target=_setting("negative_rectify_target"),
        calculate=_handling_rate("rectify"), missing=_handling_late("rectify"),
        columns=HANDLING_COLUMNS, sections={"handling": "未按时整改的差评"},
    ),
    Indicator(
        code="actual-rating-rate", name="群众实际评价率",
        formula="群众实际评价率=有有效评价的办结办件数/办结办件数*100%",
        counts="分母：统计期内办结（状态为已办结，或办结后被撤销）的办件；分子：其中至少有一条有效"
               "办件评价的。不予受理的办件没有办结时间，不计。",
        source=_plan("三（二）7", "重点督查评价范围覆盖率、差评有效处置率、群众实际评价率")
               + "（方案未给公式和目标值）",
        unit="%", target=_setting("actual_rating_rate_target"),
        calculate=_actual_rating_rate, missing=_rating_shares, columns=SHARE_COLUMNS,
        sections={"unit": "各单位办结办件评价情况（评价率由低到高）"},
    ),
    Indicator(
        code="monthly-level-coverage", name="月度层级覆盖率",
        formula="层级覆盖率=(有办件的部门数+有办件的乡镇街道数+有办件的社区数)/(本区(县市)市部门数"
                "+乡镇街道数+社区数)*100%",
        counts="分子：统计期内有提交办件的部门、乡镇街道和村（社区）数——部门、乡镇街道按办件的"
               "办理单位，村（社区）按办件事项为该村（社区）自身的村级事项；分母：实施依申请事项的"
               "区直部门（含园区）、统计期末有效的乡镇街道和村（社区）数。",
        source=_plan("三（三）3", "确保平台每月层级覆盖率……达到100%"),
        unit="%", target=_setting("monthly_level_coverage_target"),
        calculate=_level_coverage, missing=_level_missing, columns=UNIT_COLUMNS,
        sections={"department": "无办件的部门", "town": "无办件的乡镇街道",
                  "community": "无办件的村（社区）"},
    ),
    Indicator(
        code="monthly-item-coverage", name="月度办件事项覆盖率",
        formula="办件事项覆盖率=本区(县市)办件覆盖事项数/本区(县市)依申请6类和公共服务的可办事项数"
                "*100%",
        counts="分子：统计期内有提交办件的事项数；分母：区级和乡镇街道级的依申请6类及公共服务事项数。",
        source=_plan("三（三）3", "每月办件事项覆盖率……不低于23%"),
        unit="%", target=_setting("monthly_item_coverage_target"),
        calculate=_item_coverage, missing=lambda c: _missing(c.items, c.cases_by_unit["item"]),
        columns=ITEM_COLUMNS, sections={"item": "无办件的事项"},
    ),
    Indicator(
        code="annual-case-volume", name="年办件量",
        formula="年办件量=全年提交的办件数（不低于26万）",
        counts="统计期内提交的全部办件（一件事的每个办理事项各计一件，含秒批、告知承诺、不予受理、"
               "撤回）。按月查询时统计年初至该月末。",
        source=_plan("三（三）3", "年办件量不低于26万"),
        unit="件", target=_setting("annual_cases_target"), periods=(YTD, YEAR),
        calculate=_case_volume, missing=_volume_by_unit,
        columns=(Column("name", "单位"), Column("numerator", "办件数")),
        sections={"unit": "各单位办件量（由少到多）"},
    ),
    Indicator(
        code="online-availability", name="网上可办率",
        formula="网上可办率=网办深度Ⅲ级及以上的依申请事项数/依申请事项数*100%",
        counts="区、乡镇街道、村（社区）三级依申请6类及公共服务事项中网办深度达到Ⅲ级（网上预审、"
               "网上受理）或Ⅳ级（全程网办）的比例，与目录报表“网上可办率”同一口径；按当前发布的"
               "目录计算。",
        source=_plan("三（三）1", "实现至少98%政务服务事项网上可办"),
        unit="%", target=_setting("online_availability_target"),
        calculate=_online_availability, missing=_not_online, columns=ITEM_COLUMNS,
        sections={"item": "网办深度未达Ⅲ级的事项"},
    ),
    Indicator(
        code="pre-review-timely", name="一个工作日内预审受理率",
        formula="一个工作日内预审受理率=在预审时限内预审或受理的办件数/应预审的办件数*100%",
        counts="统计期内提交的办件中：分子为首次预审处理（受理、一次性告知补正、不予受理；秒批和"
               "告知承诺当场办理）在提交日次日起预审时限（设置项，默认1个工作日）内作出的；分母为"
               "已预审的与超过期限仍未预审的（视为受理属逾期；未到期未预审、到期前撤回的不计）。",
        source=_plan("三（三）3", "1个工作日内预审或受理处理平台申请办件、咨询"),
        unit="%", target=_setting("pre_review_target"),
        calculate=_pre_review, missing=_late_pre_review, columns=CASE_COLUMNS,
        sections={"case": "未在时限内预审的办件"},
    ),
    Indicator(
        code="on-time-conclusion", name="按时办结率",
        formula="按时办结率=在承诺时限内作出决定的办结办件数/办结办件数*100%",
        counts="分母：统计期内办结的办件；分子：其中决定日期不晚于承诺期限的——承诺期限自受理日"
               "（未受理的自收件日）次日起按事项承诺时限及单位计算，加上延长期限，特别程序时间不计"
               "（与办件页面显示的期限相同）。",
        source=f"{LICENSING_LAW}：行政机关应当自受理之日起二十日内作出决定；承诺时限见事项实施清单",
        unit="%", target=Target(">=", 100),
        calculate=_on_time, missing=_late_concluded, columns=CASE_COLUMNS,
        sections={"late": "超过承诺时限作出决定的办结办件"},
    ),
    Indicator(
        code="overdue-cases", name="超期办件数",
        formula="超期办件数=超过承诺时限作出决定的办结办件数+当前环节已超期的在办办件数",
        counts="统计期内办结但决定晚于承诺期限的办件，加上尚未办结、当前环节（预审、审查决定或"
               "送达）期限落在统计期内且已过（早于今天）的办件；计时暂停的办件不计。",
        source=f"{LICENSING_LAW}；《中华人民共和国行政许可法》第四十四条（决定后十日内送达）",
        unit="件", target=Target("=", 0),
        calculate=_overdue, missing=_overdue_rows, columns=CASE_COLUMNS,
        sections={"late": "超期办结的办件", "open": "超期未办结的办件"},
    ),
    Indicator(
        code="good-rating-rate", name="好评率",
        formula="好评率=(非常满意+满意+基本满意)评价数/有效评价数*100%",
        counts="统计期内的有效评价（办件、窗口服务、热线工单；申诉成立作废的除外）中非常满意、满意、"
               "基本满意所占比例；差评为不满意、非常不满意，其余均为好评。",
        source=f"{RATING_RULES}：评价分为非常满意、满意、基本满意、不满意、非常不满意五个等级",
        unit="%", target=_setting("good_rating_target"),
        calculate=_good_rating_rate, missing=_bad_ratings, columns=RATING_COLUMNS,
        sections={"rating": "差评（不满意、非常不满意）"},
    ),
]  # fmt: skip
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}


def compute_all(period: Period, *, today: dt.date | None = None) -> list[Result]:
    """Every indicator for `period`, sharing one context per period actually used."""
    contexts: dict[Period, Context] = {}
    results = []
    for indicator in INDICATORS:
        used = indicator.period_for(period)
        context = contexts.get(used) or contexts.setdefault(used, Context(used, today=today))
        results.append(indicator.calculate(context, indicator))
    return results


def compute(code: str, period: Period, *, today: dt.date | None = None) -> Result:
    """One indicator; KeyError for an unknown code."""
    return BY_CODE[code].compute(period, today=today)


def drilldown(code: str, period: Period, *, today=None) -> tuple[Result, list[dict]]:
    """One indicator's result and the rows behind its gap (one shared context); KeyError for
    an unknown code."""
    indicator = BY_CODE[code]
    context = Context(indicator.period_for(period), today=today)
    return indicator.calculate(context, indicator), indicator.missing(context)
