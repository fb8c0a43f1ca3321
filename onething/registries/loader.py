"""Loading the synthetic population and legal-entity registries into the database.

Rows come from `onething.registries.generator` and are written by the fastest path the database
has (SQLite: `executemany` in batches; PostgreSQL: `COPY … FROM STDIN`), never through model
instances, so a million people stream in well under a minute and in little memory (figures in
benchmarks/RESULTS.md). They are the rows the ORM would write: every column is set, with the
values a model save would send.

Each load is one transaction: the old synthetic rows go, the new ones come, `RegistryLoad`
records the dataset, seed and size, and an audit record says so. Loading again with the same
seed and size changes nothing and returns 0. While a load runs, PostgreSQL keeps the table
locked (its secondary indexes are rebuilt at the end), so readers of it wait.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from onething.core.errors import ServiceError
from onething.core.models import Region
from onething.core.services import record_audit
from onething.registries.generator import (
    ENTERPRISE_COLUMNS,
    PERSON_COLUMNS,
    CommunityRef,
    LegalRep,
    TownRef,
    generate_enterprises,
    generate_people,
    years_before,
)
from onething.registries.models import Enterprise, Person, RegistryLoad

POPULATION = "population"
LEGAL_ENTITIES = "legal_entities"
BATCH_SIZE = 50_000
# Page cache while loading into SQLite, in KiB (negative = size rather than pages): 128 MiB.
SQLITE_LOAD_CACHE_KIB = -131_072
# Legal representatives are drawn from living people of these ages (inclusive).
REP_MIN_AGE, REP_MAX_AGE = 18, 75


def load_population(*, seed: int, size: int, asof: dt.date | None = None) -> int:
    """Load `size` synthetic people generated from `seed`; returns the rows loaded.

    Returns 0 and changes nothing when the registry already holds this seed and size. Otherwise
    replaces the synthetic people, and with them the legal entities, whose representatives were
    people of the old population (load the legal entities again afterwards). `asof` (default
    today) is the date ages, deaths and phone ownership are computed for.
    """
    _check_request(seed=seed, size=size)
    asof = asof or timezone.localdate()
    with transaction.atomic():
        previous = _previous_load(POPULATION)
        _refuse_real_data(Person)
        _refuse_real_data(Enterprise)
        if previous is not None and (previous.seed, previous.size) == (seed, size):
            return 0
        communities = district_communities()
        if size and not communities:
            raise ServiceError(
                f"区划中没有{settings.ONETHING_DISTRICT_CODE}下的村（社区），"
                "请先载入区划并生成村（社区），如运行 manage.py load_demo"
            )
        # Enterprises name people of this population as representatives: they go together.
        enterprises_removed = _delete_all(Enterprise)
        RegistryLoad.objects.filter(dataset=LEGAL_ENTITIES).delete()
        rows = _replace(
            Person,
            PERSON_COLUMNS,
            generate_people(seed=seed, size=size, communities=communities, asof=asof),
        )
        _record_load(
            POPULATION, previous, seed=seed, size=size, rows=rows, asof=asof,
            legal_entities_removed=enterprises_removed,
        )  # fmt: skip
    return rows


def load_legal_entities(*, seed: int, size: int, asof: dt.date | None = None) -> int:
    """Load `size` synthetic legal entities generated from `seed`; returns the rows loaded.

    Needs the population first: representatives are living people aged 18–75 on `asof`
    (default today), read in id order. Returns 0 and changes nothing when the registry already
    holds this seed and size; otherwise replaces the synthetic legal entities.
    """
    _check_request(seed=seed, size=size)
    asof = asof or timezone.localdate()
    with transaction.atomic():
        previous = _previous_load(LEGAL_ENTITIES)
        _refuse_real_data(Enterprise)
        if previous is not None and (previous.seed, previous.size) == (seed, size):
            return 0
        towns = district_towns()
        legal_reps = legal_representatives(asof=asof, count=size)
        if size and not towns:
            raise ServiceError(
                f"区划中没有{settings.ONETHING_DISTRICT_CODE}下的乡镇街道，请先载入区划"
            )
        if size and not legal_reps:
            raise ServiceError("人口库中没有可担任法定代表人的成年人，请先载入人口库")
        rows = _replace(
            Enterprise,
            ENTERPRISE_COLUMNS,
            generate_enterprises(
                seed=seed,
                size=size,
                towns=towns,
                legal_reps=legal_reps,
                district_code=settings.ONETHING_DISTRICT_CODE,
                asof=asof,
            ),
        )
        _record_load(LEGAL_ENTITIES, previous, seed=seed, size=size, rows=rows, asof=asof)
    return rows


def _check_request(*, seed: int, size: int) -> None:
    if settings.ONETHING_REFUSE_DEMO_PASSWORD:
        raise ServiceError("生产环境不载入合成数据")
    if size < 0:
        raise ServiceError("载入规模不能为负数", fields={"size": "请填写0或正整数"})
    if not -(2**31) <= seed < 2**31:
        raise ServiceError("随机种子超出范围", fields={"seed": "请填写32位整数"})


def _refuse_real_data(model: type[Model]) -> None:
    # Synthetic rows must never be mixed into, or replace, a real registry.
    if model.objects.filter(is_synthetic=False).exists():
        raise ServiceError(f"{model._meta.verbose_name}中已有真实数据，不能载入合成数据")


def _previous_load(dataset: str) -> RegistryLoad | None:
    # Locks the record on PostgreSQL so concurrent loads of one dataset run one after another.
    return RegistryLoad.objects.select_for_update().filter(dataset=dataset).first()


def district_communities() -> list[CommunityRef]:
    """The district's communities people can be registered in, in code order."""
    rows = Region.objects.filter(
        level=Region.Level.COMMUNITY,
        code__startswith=settings.ONETHING_DISTRICT_CODE,
        valid_to__isnull=True,
    ).order_by("code")
    return [CommunityRef(*row) for row in rows.values_list("id", "name")]


def district_towns() -> list[TownRef]:
    """The district's current towns enterprises can be located in, in code order."""
    rows = Region.objects.filter(
        level=Region.Level.TOWN,
        parent__code=settings.ONETHING_DISTRICT_CODE,
        valid_to__isnull=True,
    ).order_by("code")
    return [TownRef(*row) for row in rows.values_list("id", "name")]


def legal_representatives(*, asof: dt.date, count: int) -> list[LegalRep]:
    """Up to `count` living people aged 18–75 on `asof`, in id order (so deterministic)."""
    youngest_birth = years_before(asof, REP_MIN_AGE)
    oldest_birth = years_before(asof, REP_MAX_AGE + 1) + dt.timedelta(days=1)
    people = (
        Person.objects.filter(
            death_date__isnull=True, birth_date__lte=youngest_birth, birth_date__gte=oldest_birth
        )
        .order_by("id")
        .values_list("id_number", "name", "birth_date")
    )
    return [LegalRep(*row) for row in people[:count]]


def _record_load(dataset: str, previous: RegistryLoad | None, *, seed, size, rows, asof, **extra):
    RegistryLoad.objects.update_or_create(dataset=dataset, defaults={"seed": seed, "size": size})
    after = {"seed": seed, "size": size, "rows": rows, "asof": asof.isoformat()}
    after.update({key: value for key, value in extra.items() if value})
    before = {"seed": previous.seed, "size": previous.size} if previous is not None else None
    record_audit(actor=None, action=f"registries.{dataset}.load", before=before, after=after)


def _delete_all(model: type[Model]) -> int:
    """Empty the model's table; returns how many rows went. Callers have made sure that every
    row is synthetic (`_refuse_real_data`).

    Raw SQL rather than QuerySet.delete(), which would fetch every row first whenever a delete
    signal has a receiver. On PostgreSQL, TRUNCATE (transactional) leaves no million dead rows
    behind.
    """
    quote = connection.ops.quote_name
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        count = cursor.fetchone()[0]
        if not count:
            return 0
        if connection.vendor != "postgresql":
            cursor.execute(f"DELETE FROM {quote(table)}")
            return count
        deferred = _run_deferred_checks(cursor, table)
        cursor.execute(f"TRUNCATE {quote(table)}")
        if deferred:
            cursor.execute(f"SET CONSTRAINTS {deferred} DEFERRED")
    return count


def _run_deferred_checks(cursor, table: str) -> str:
    """PostgreSQL: run now the pending checks of the table's deferred foreign keys.

    Rows written earlier in the same transaction leave checks pending until commit, and while
    they are pending PostgreSQL refuses TRUNCATE and ALTER TABLE. Returns the constraint names
    (quoted, comma-separated) now checked immediately, or "" when there are none.
    """
    cursor.execute(
        "SELECT conname FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype = 'f' AND condeferred",
        [table],
    )
    names = ", ".join(connection.ops.quote_name(name) for (name,) in cursor.fetchall())
    if names:
        cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")
    return names


def _replace(model: type[Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Replace every row of the model's table by `rows`; returns how many were written."""
    with _without_secondary_indexes(model):
        _delete_all(model)
        return _insert(model, columns, rows)


def _insert(model: type[Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Write `rows` (values in `columns` order) into the model's table; returns the count.

    Must run inside a transaction. Values are passed as the ORM would pass them: the SQLite
    backend adapts dates to ISO text and decimals to text; psycopg formats them for COPY.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_list = ", ".join(quote(column) for column in columns)
    rows = iter(rows)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            copy_sql = f"COPY {table} ({column_list}) FROM STDIN"
            # Django's cursor does not translate errors raised by copy(): do it here, so
            # callers see IntegrityError as with any other write.
            with connection.wrap_database_errors, cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})"
        while batch := list(islice(rows, BATCH_SIZE)):
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


@contextmanager
def _without_secondary_indexes(model: type[Model]):
    """Drop the table's indexes that back no constraint (and, on PostgreSQL, its foreign keys)
    and re-create them from their own definitions on exit. Inside a transaction only; on
    PostgreSQL the table stays locked until it ends.

    Inserting into a B-tree per row in random key order is what makes a large load slow;
    building each index once afterwards took half the time here. Unique constraints and the
    primary key stay, so duplicates still fail at once. SQLite gets a larger page cache for the
    remaining unique index while the load runs.
    """
    table = model._meta.db_table
    quote = connection.ops.quote_name
    restore: list[str] = []
    reset: list[str] = []  # connection settings, put back even when the load fails
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size")
            reset.append(f"PRAGMA cache_size = {int(cursor.fetchone()[0])}")
            cursor.execute(f"PRAGMA cache_size = {SQLITE_LOAD_CACHE_KIB}")
            cursor.execute(
                "SELECT name, sql FROM sqlite_master"
                " WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {quote(name)}")
                restore.append(definition)
        elif connection.vendor == "postgresql":
            _run_deferred_checks(cursor, table)
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
                restore.append(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                )
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
                " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {quote(name)}")
                restore.insert(0, definition)
            # Fresh statistics, so the next queries on the new rows are planned well.
            restore.append(f"ANALYZE {quote(table)}")
    try:
        yield
        with connection.cursor() as cursor:
            for statement in restore:
                cursor.execute(statement)
    finally:
        with connection.cursor() as cursor:
            for statement in reset:
                cursor.execute(statement)
