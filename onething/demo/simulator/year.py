"""Running a year: `simulate_year` (the command's work, in one transaction), `write_plans`
(given plans through the same path, for tests), and the ledger of simulated years with
`delete_simulated_year` behind `--replace`."""

from __future__ import annotations

import datetime as dt
import functools
import random
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from unittest.mock import patch
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from onething.cases import applying, clock, services
from onething.cases.models import Sequence
from onething.core.errors import ServiceError
from onething.core.models import AuditEntry, Region, Role, User
from onething.core.services import load_calendar, record_audit

from .executor import Executor, SimApplication
from .hotline import Hotline
from .planner import Planner
from .plans import ACCOUNT_PREFIX, ApplicationPlan, Rates
from .ratings import Ratings, ended_at, write_link
from .refs import load_units
from .world import World
from .writer import NoticeBook, Writer, queue_application, written_models

AUDIT_ACTION = "demo.simulate"


# Deleted children first; then the simulated accounts nothing names any more.
_DELETE_ORDER = (
    "evaluation.NegativeHandling", "evaluation.RatingLink", "evaluation.Rating",
    "evaluation.TicketEvent", "evaluation.Ticket", "cases.CaseEvent", "cases.Notice",
    "cases.CaseMaterial", "cases.CommitmentVerification", "cases.Upload", "cases.Case",
    "cases.Application",
)  # fmt: skip
_BULK_MODELS = ("cases.Application", "cases.Case", "cases.CaseEvent", "cases.CaseMaterial",
                "cases.Upload", "cases.Notice", "evaluation.Rating")  # fmt: skip


def ledger(year: int) -> list[AuditEntry]:
    """The audit entries of this year's simulations whose rows have not been deleted."""
    deleted = set()
    found = []
    for entry in AuditEntry.objects.filter(action__startswith=AUDIT_ACTION).order_by("pk"):
        after = entry.after or {}
        if entry.action == f"{AUDIT_ACTION}.delete":
            deleted.update(after.get("entries", []))
        elif after.get("year") == year:
            found.append(entry)
    return [entry for entry in found if entry.pk not in deleted]


def delete_simulated_year(year: int) -> int:
    """Delete the rows every simulation of `year` wrote (from the ledger); returns the number
    of applications deleted. Run inside a transaction."""
    from django.apps import apps

    entries = ledger(year)
    if not entries:
        return 0
    quote = connection.ops.quote_name
    deleted = 0
    with connection.cursor() as cursor:
        for label in _DELETE_ORDER:
            table = apps.get_model(label)._meta.db_table
            for entry in entries:
                first, last = entry.after["ids"].get(table, (0, -1))
                cursor.execute(
                    f"DELETE FROM {quote(table)} WHERE id BETWEEN %s AND %s", [first, last]
                )
                if label == "cases.Application":
                    deleted += cursor.rowcount
    accounts = sum(_delete_unused_accounts(*e.after["ids"].get(User._meta.db_table, (0, -1)))
                   for e in entries)  # fmt: skip
    if connection.vendor == "postgresql":
        # The deletes leave the referenced tables' deferred foreign-key checks pending, and
        # while they are PostgreSQL refuses the ALTER TABLE of the load that follows: run them
        # now, then defer again as Django's constraints are declared.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    record_audit(
        actor=None, action=f"{AUDIT_ACTION}.delete",
        after={"year": year, "entries": [e.pk for e in entries], "applications": deleted,
               "accounts": accounts},
    )  # fmt: skip
    return deleted


def _delete_unused_accounts(first: int, last: int) -> int:
    """Delete the simulated accounts with ids in [first, last] that nothing refers to any more
    (another year's simulation may still name them)."""
    quote = connection.ops.quote_name
    table = quote(User._meta.db_table)
    unused = []
    for relation in User._meta.related_objects:
        if relation.many_to_many:
            through = relation.through._meta
            column = next(f.column for f in through.fields if f.related_model is User)
            unused.append((through.db_table, column))
        elif relation.field.concrete:
            unused.append((relation.related_model._meta.db_table, relation.field.column))
    for m2m in User._meta.many_to_many:
        through = m2m.remote_field.through._meta
        column = next(f.column for f in through.fields if f.related_model is User)
        unused.append((through.db_table, column))
    tests = " AND ".join(
        f"NOT EXISTS (SELECT 1 FROM {quote(t)} r WHERE r.{quote(c)} = {table}.id)"
        for t, c in unused
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id BETWEEN %s AND %s AND username LIKE %s AND {tests}",
            [first, last, f"{ACCOUNT_PREFIX}%"],
        )
        return cursor.rowcount


@dataclass
class Result:
    year: int
    seed: int
    applications: int
    cases: int
    seconds: float
    stats: dict
    rows: dict

    @property
    def cases_per_second(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


def simulate_year(
    *, year: int, cases: int, seed: int, replace: bool = False, today: dt.date | None = None,
    rates: Rates | None = None, lean: bool = False, tickets: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Result:  # fmt: skip
    """Simulate `cases` cases submitted on the working days of `year` (up to yesterday when
    `year` is this year) and everything that followed them up to the start of `today`.

    Raises ServiceError when the year is in the future, when production settings are in force,
    or when the year was already simulated (unless `replace`). `lean` writes only applications,
    cases, ratings and tickets (for scale benchmarks of the indicators).
    """
    if settings.ONETHING_REFUSE_DEMO_PASSWORD:
        raise ServiceError("生产环境不载入模拟数据")
    if cases < 1:
        raise ServiceError("办件数应为正整数", fields={"cases": "请填写正整数"})
    today = today or timezone.localdate()
    if year > today.year:
        raise ServiceError(f"{year}年尚未到来，不能模拟", fields={"year": "不能是未来的年份"})
    zone = ZoneInfo(settings.TIME_ZONE)
    cutoff = dt.datetime(today.year, today.month, today.day, tzinfo=zone).astimezone(dt.UTC)
    last = min(dt.date(year, 12, 31), today - dt.timedelta(days=1))
    rates = rates or Rates()
    started = time.perf_counter()
    say = progress or (lambda message: None)
    from onething.registries.loader import _without_secondary_indexes

    with transaction.atomic(), ExitStack() as memo:
        _lock_tables()
        if ledger(year):
            if not replace:
                raise ServiceError(
                    f"{year}年已经模拟过；如需重新模拟，请加 --replace（先删除该年的模拟数据）",
                    code="already_simulated",
                )
            say(f"删除 {year} 年的模拟数据：{delete_simulated_year(year)} 份申请")
        writer = Writer()
        with ExitStack() as stack:
            from django.apps import apps

            for label in _BULK_MODELS:
                stack.enter_context(_without_secondary_indexes(apps.get_model(label)))
            rng = random.Random(seed)
            horizon = max(today, dt.date(year, 12, 31)) + dt.timedelta(days=400)
            world = World(rates=rates, writer=writer, first=dt.date(year, 1, 1), last=horizon)
            memo.enter_context(_memoized(world.person_by_id_number.keys()))
            notices = NoticeBook(writer, lean=lean)
            executor = Executor(writer, calendar=world.calendar,
                                pre_review_days=world.pre_review_days, units=world.units,
                                notices=notices)  # fmt: skip
            executor.sequences.update(dict(Sequence.objects.values_list("key", "value")))
            starts = dict(executor.sequences)
            planner = Planner(world, executor, rng, seed=seed, cutoff=cutoff)
            ratings = Ratings(world, executor, rng, cutoff=cutoff, lean=lean)
            say(f"参照数据已载入（{time.perf_counter() - started:.1f} 秒），开始模拟")
            done = 0
            for plan in planner.applications(year, cases, last):
                app = executor.run(plan)
                ratings.rate(app)
                queue_application(writer, app, lean=lean)
                done += len(app.cases)
                if done % 50_000 < len(app.cases):
                    say(f"  {done:,} 件（{time.perf_counter() - started:.0f} 秒）")
            if tickets:
                count = round(cases * rates.tickets_per_thousand / 1000)
                Hotline(ratings).tickets(year, count, last)
            _finish(writer, notices, executor, starts)
            say(f"写入完成，重建索引（{time.perf_counter() - started:.0f} 秒）")
        rows = writer.counts()
        stats = dict(sorted((executor.stats + ratings.stats).items()))
        record_audit(
            actor=None, action=AUDIT_ACTION,
            after={"year": year, "seed": seed, "cases": executor.stats["cases"],
                   "applications": executor.stats["applications"], "lean": lean,
                   "until": cutoff.isoformat(), "ids": writer.id_ranges()},
        )  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return Result(
        year=year, seed=seed, applications=executor.stats["applications"],
        cases=executor.stats["cases"], seconds=time.perf_counter() - started, stats=stats,
        rows=rows,
    )  # fmt: skip


@contextmanager
def _memoized(trusted=frozenset()):
    """Two pure functions the services call for every case, asked once per argument during a
    run: the resident-ID check of applying.parse_answers (python-stdnum's birthplace table
    costs ~0.4 ms a number; the synthetic registry's numbers in `trusted` are valid by
    construction, as registries/tests/test_generator.py proves) and the working-day arithmetic
    of cases.clock (a day-by-day walk, ~50 µs a limit, over a few thousand distinct starts)."""
    checked = functools.lru_cache(maxsize=200_000)(applying.is_valid_resident_id)

    def id_check(value: str) -> bool:
        return value in trusted or checked(value)

    with (
        patch.object(applying, "is_valid_resident_id", id_check),
        patch.object(clock, "workdays", _MemoWorkdays(clock.workdays)),
    ):
        yield


class _MemoWorkdays:
    """The workdays module with add_working_days remembered per calendar, start and days."""

    def __init__(self, module):
        self._module = module
        self._found: dict = {}

    def __getattr__(self, name):
        return getattr(self._module, name)

    def add_working_days(self, calendar, start, days):
        key = (id(calendar), start, days)
        found = self._found.get(key)
        if found is None or found[0] is not calendar:
            found = self._found[key] = (
                calendar,
                self._module.add_working_days(calendar, start, days),
            )
        return found[1]


def write_plans(plans: list[ApplicationPlan], *, lean: bool = False) -> list[SimApplication]:
    """Write `plans` by the bulk path, as `simulate_year` writes each plan it draws (without
    ratings, with the rating links sent as cases end); returns the applications as executed.
    Lets a test put the same plans through the services and through this path and compare the
    rows."""
    with transaction.atomic(), _memoized():
        writer = Writer()
        units = load_units(Region.objects.get(code=settings.ONETHING_DISTRICT_CODE))
        notices = NoticeBook(writer, lean=lean)
        executor = Executor(writer, calendar=load_calendar(),
                            pre_review_days=services.pre_review_days(), units=units,
                            notices=notices)  # fmt: skip
        executor.sequences.update(dict(Sequence.objects.values_list("key", "value")))
        starts = dict(executor.sequences)
        applications = []
        nonces = random.Random(0)
        for plan in plans:
            application = executor.run(plan)
            queue_application(writer, application, lean=lean)
            recipient = application.applicant_user or (
                application.applicant_kind == "person"
                and User.objects.filter(role=Role.PERSON, id_number=application.applicant_code)
                .order_by("pk")
                .first()
            )
            for case in application.cases if recipient else ():
                if (ended := ended_at(case)) is not None:
                    write_link(writer, case, f"{nonces.getrandbits(128):032x}", ended, None)
            applications.append(application)
        _finish(writer, notices, executor, starts)
    return applications


def _finish(writer: Writer, notices: NoticeBook, executor: Executor, starts: dict) -> None:
    """Write what is left, number the notices, and move every counter used to its last number
    so that the next real submission, notice or ticket continues the series."""
    writer.flush()
    values = notices.finish(starts)
    writer.finish()
    for key, value in executor.sequences.items():
        if value != starts.get(key):
            values[key] = value
    existing = dict(Sequence.objects.filter(key__in=list(values)).values_list("key", "value"))
    for key, value in sorted(values.items()):
        if key not in existing:
            Sequence.objects.create(key=key, value=value)
        elif value > existing[key]:
            Sequence.objects.filter(key=key).update(value=value)


def _lock_tables() -> None:
    """PostgreSQL: no other writer may take ids in the tables written here until commit."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    names = (
        ", ".join(quote(m._meta.db_table) for m in written_models())
        + ", "
        + quote(Sequence._meta.db_table)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")
