"""Writing simulated rows by the database's fastest path (as registries.loader does): ids handed
out here, rows batched per table and written parents first (SQLite `executemany`, PostgreSQL
`COPY`), values sent as the ORM would send them; notices numbered at the end in the order they
were issued."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable

from django.db import connection, models

from onething.cases import services
from onething.cases.models import (
    Application,
    Case,
    CaseEvent,
    CaseMaterial,
    CommitmentVerification,
    Notice,
    Upload,
)
from onething.core.models import User

BATCH_SIZE = 50_000


def written_models():
    from onething.evaluation import models as evaluation

    return [
        User, Application, Upload, Case, CaseMaterial, CaseEvent, Notice, CommitmentVerification,
        evaluation.Ticket, evaluation.TicketEvent, evaluation.Rating, evaluation.NegativeHandling,
        evaluation.RatingLink,
    ]  # fmt: skip


class Writer:
    """Rows by table, written in batches by the database's fastest path; ids are assigned here
    (max + 1 at the start, under the transaction's lock) so rows can refer to each other.

    Tables are always written parents first: a child row written before its parent leaves a
    deferred foreign-key violation pending, and while one is pending SQLite searches the child
    table for every parent row inserted (without the dropped indexes, a scan per row)."""

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"
        self.tables: dict[type[models.Model], _Table] = {}
        self.first_ids: dict[str, int] = {}
        self.order = {model: n for n, model in enumerate(written_models())}

    def table(self, model) -> _Table:
        table = self.tables.get(model)
        if table is None:
            table = self.tables[model] = _Table(model, self.postgres)
            self.first_ids[model._meta.db_table] = table.next_id
            self.tables = dict(sorted(self.tables.items(), key=lambda t: self.order[t[0]]))
        return table

    def next_id(self, model) -> int:
        table = self.tables.get(model) or self.table(model)
        table.next_id += 1
        return table.next_id - 1

    def add(self, model, **values) -> None:
        table = self.tables.get(model) or self.table(model)
        table.add(values)
        if len(table.rows) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        for table in self.tables.values():
            table.flush()

    def id_ranges(self) -> dict[str, list[int]]:
        """The ids handed out per table (the ledger's record of what a run wrote)."""
        return {
            model._meta.db_table: [self.first_ids[model._meta.db_table], table.next_id - 1]
            for model, table in self.tables.items()
            if table.written
        }

    def counts(self) -> dict[str, int]:
        """The rows written per table."""
        return {m._meta.db_table: t.written for m, t in self.tables.items() if t.written}

    def finish(self) -> None:
        """Flush, and on PostgreSQL move each id sequence past the ids written here."""
        self.flush()
        if not self.postgres:
            return
        with connection.cursor() as cursor:
            for model in self.tables:
                name = model._meta.db_table
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'),"
                    " GREATEST((SELECT MAX(id) FROM " + connection.ops.quote_name(name) + "), 1))",
                    [name],
                )


class _Table:
    def __init__(self, model, postgres: bool):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.column for f in self.fields]
        self.attnames = {f.attname for f in self.fields}
        self.rows: list[tuple] = []
        self.written = 0
        self.names = [f.attname for f in self.fields]
        self.adapted = [
            (index, adapt)
            for index, adapt in enumerate(_adapter(f, postgres) for f in self.fields)
            if adapt is not None
        ]
        # What a model instance holds for a field not given: its default, NULL, or "".
        self.defaults = {
            f.attname: f.get_default()
            for f in self.fields
            if f.has_default() or f.null or f.empty_strings_allowed
        }
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT MAX(id) FROM {table}")
            self.next_id = (cursor.fetchone()[0] or 0) + 1

    def add(self, values: dict) -> None:
        if len(values) > len(self.attnames) or not values.keys() <= self.attnames:
            unknown = ", ".join(sorted(values.keys() - self.attnames))
            raise KeyError(f"{self.model.__name__} has no field {unknown}")
        defaults = self.defaults
        try:
            row = [values[name] if name in values else defaults[name] for name in self.names]
        except KeyError as missing:
            raise KeyError(f"{self.model.__name__}.{missing} has no value and no default") from None
        for index, adapt in self.adapted:
            if row[index] is not None:
                row[index] = adapt(row[index])
        self.rows.append(row)

    def flush(self) -> None:
        if self.rows:
            write_rows(self.model._meta.db_table, self.columns, self.rows)
            self.written += len(self.rows)
            self.rows = []


def _adapter(f, postgres: bool) -> Callable | None:
    """How the ORM would send a value of field `f` to the database (None: as it is)."""
    internal = f.get_internal_type()
    if internal == "JSONField":
        encoder = f.encoder
        return lambda value: json.dumps(value, cls=encoder) if value else EMPTY_JSON[type(value)]
    if internal == "DateTimeField" and not postgres:
        return _sqlite_datetime
    return None


EMPTY_JSON = {list: "[]", dict: "{}", str: '""'}


def _sqlite_datetime(value: dt.datetime) -> str:
    """Django's SQLite adapter: naive dt.UTC text, as str() writes it."""
    if value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    return str(value.replace(tzinfo=None))


def write_rows(table: str, columns, rows) -> None:
    """executemany on SQLite, COPY on PostgreSQL (as registries.loader writes)."""
    quote = connection.ops.quote_name
    column_list = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with (
                connection.wrap_database_errors,
                cursor.copy(f"COPY {quote(table)} ({column_list}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {quote(table)} ({column_list}) VALUES ({placeholders})", rows
        )


class NoticeBook:
    """Notices wait in a temporary table and get their numbers at the end, per unit, kind and
    year in the order they were issued (as `next_in_sequence` would have numbered them)."""

    TABLE = "sim_notice"

    def __init__(self, writer: Writer, *, lean: bool = False):
        self.writer = writer
        self.lean = lean
        self.rows: list[tuple] = []
        self.series: dict[str, tuple[str, str]] = {}  # series → (prefix, sequence key)
        self.counts: Counter = Counter()
        self.encoder = Notice._meta.get_field("context").encoder
        if not lean:
            writer.table(Notice)
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {self.TABLE}")
                json_type = "jsonb" if writer.postgres else "text"
                stamp = "timestamp with time zone" if writer.postgres else "datetime"
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {self.TABLE} (id bigint PRIMARY KEY, case_id bigint,"
                    f" kind varchar(12), series varchar(60), issued_at {stamp},"
                    f" context {json_type})"
                )

    def add(self, case, kind: str, at, context: dict, year: int) -> None:
        case.notice_count += 1
        if self.lean:
            return
        unit = case.unit
        series = f"{unit.code}:{kind}:{year}"
        if series not in self.series:
            prefix = f"望{unit.mark}{services.NOTICE_MARKS[kind]}〔{year}〕"
            self.series[series] = (prefix, f"notice:{unit.code}:{kind}:{year}")
        self.counts[series] += 1
        issued = at if self.writer.postgres else _sqlite_datetime(at)
        self.rows.append((
            self.writer.next_id(Notice), case.pk, kind, series, issued,
            json.dumps(context, cls=self.encoder),
        ))  # fmt: skip
        if len(self.rows) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            columns = ("id", "case_id", "kind", "series", "issued_at", "context")
            write_rows(self.TABLE, columns, self.rows)
            self.rows = []

    def finish(self, starts: dict[str, int]) -> dict[str, int]:
        """Number and insert the notices; returns the new value of each sequence key."""
        values = {key: starts.get(key, 0) + self.counts[s] for s, (_, key) in self.series.items()}
        if self.lean:
            return values
        self.flush()
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS sim_series")
            cursor.execute(
                "CREATE TEMPORARY TABLE sim_series (series varchar(60) PRIMARY KEY,"
                " prefix varchar(40), start bigint)"
            )
        write_rows(
            "sim_series", ("series", "prefix", "start"),
            [(s, prefix, starts.get(key, 0)) for s, (prefix, key) in self.series.items()],
        )  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(Notice._meta.db_table)}"
                " (id, case_id, kind, number, issued_at, context)"
                " SELECT n.id, n.case_id, n.kind, s.prefix || CAST(s.start + ROW_NUMBER()"
                " OVER (PARTITION BY n.series ORDER BY n.issued_at, n.id) AS TEXT) || '号',"
                " n.issued_at, n.context"
                f" FROM {self.TABLE} n JOIN sim_series s ON s.series = n.series"
            )
            self.writer.tables[Notice].written += cursor.rowcount
            cursor.execute(f"DROP TABLE {self.TABLE}")
            cursor.execute("DROP TABLE sim_series")
        return values


def queue_application(writer: Writer, app, *, lean: bool = False) -> None:
    """Queue the application's rows; `lean` leaves out timeline, notices, materials and
    uploads (for scale benchmarks of the indicators, which do not read them)."""
    plan = app.plan
    writer.add(
        Application, id=app.pk, number=app.number, applicant_kind=app.applicant_kind,
        applicant_code=app.applicant_code, applicant_name=app.applicant_name,
        applicant_phone=app.applicant_phone,
        applicant_user_id=app.applicant_user.pk if app.applicant_user else None,
        submitted_by_id=app.submitted_by.pk, channel=app.channel, consent=app.consent,
        bundle_id=plan.bundle.pk if plan.bundle else None,
        bundle_version_id=plan.bundle.current_version_id if plan.bundle else None,
        guidance_answers=plan.guidance_answers if plan.bundle else {},
        form_data=app.form_data, prefill_sources=app.prefill_sources,
        delivery_method=app.delivery_method, delivery_address=app.delivery_address,
        delivery_tracking=app.delivery_tracking, delivered_at=app.delivered_at,
        status=app.status, submitted_at=app.submitted_at, concluded_at=app.concluded_at,
        idempotency_key=plan.key, request_hash=app.request_hash,
    )  # fmt: skip
    for case in app.cases:
        writer.add(
            Case, id=case.pk, application_id=app.pk, number=case.number,
            handling_item_id=case.handling_item.pk, item_id=case.item.pk,
            item_version_id=case.item_version_id, department_id=case.department_id,
            town_id=case.town_id, state=case.state, route=case.route,
            decision=case.decision, version=case.version, submitted_at=case.submitted_at,
            received_on=case.received_on, accepted_on=case.accepted_on,
            deemed_accepted=case.deemed_accepted, decided_on=case.decided_on,
            concluded_at=case.concluded_at, case_type=case.case_type,
            statutory_days=case.statutory_days, statutory_unit=case.statutory_unit,
            promised_days=case.promised_days, promised_unit=case.promised_unit,
            extension_days=case.extension_days, pauses=case.pauses, due_on=case.due_on,
            correction_items=case.correction_items, facts_checked=case.facts_checked,
            updated_at=case.updated_at,
        )  # fmt: skip
    if lean:
        return
    for upload in app.uploads:
        writer.add(Upload, **upload)
    for case in app.cases:
        for name, required, status, upload in case.materials:
            writer.add(
                CaseMaterial, id=writer.next_id(CaseMaterial), case_id=case.pk, name=name,
                required=required, status=status, upload_id=upload,
            )  # fmt: skip
    for case, values, _ in app.events:
        writer.add(CaseEvent, id=writer.next_id(CaseEvent), case_id=case.pk, **values)
    for verification in app.verifications:
        values = dict(verification)
        case = values.pop("case")
        verified_by = values.pop("verified_by")
        writer.add(
            CommitmentVerification, id=writer.next_id(CommitmentVerification),
            case_id=case.pk, verified_by_id=verified_by.pk if verified_by else None,
            **values,
        )  # fmt: skip
