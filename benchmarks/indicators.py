"""Time the work plan's indicators over a simulated year, and the year simulator itself.

    .venv/bin/python benchmarks/indicators.py --backends sqlite --cases 260000 --runs 5
    .venv/bin/python benchmarks/indicators.py --backends postgresql --cases 10000000 \\
        --people 1000000 --enterprises 100000 --lean --runs 5

Each backend gets a fresh database in its own process (`registries.run_in_fresh_database`).
The process migrates, loads the demo district (`load_demo_district`: regions, calendar,
departments, catalog, bundles and the registries of `--people` and `--enterprises`), simulates
`--cases` cases in `--year` up to today (`onething.demo.simulator.simulate_year`, seed 1; with
`--lean` without timelines, notices and materials, which the indicators do not read), runs
ANALYZE, then times `supervision.indicators.compute_all` for the month `--month` and for the
year: one warm-up, then `--runs` timed runs each. It also times each indicator alone (its own
context) once, to show where the time goes, and with `--explain` prints the query plans of the
case scan. Prints each run, then medians; the target is under 1 s for the district's year on
SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from registries import DEFAULT_POSTGRES, run_in_fresh_database  # noqa: E402

TARGET_SECONDS = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=260_000)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per period")
    parser.add_argument("--lean", action="store_true", help="simulate without timelines")
    parser.add_argument(
        "--copies", type=int, default=1,
        help="write the simulated year's cases and ratings this many times in all (SQL copies)",
    )  # fmt: skip
    parser.add_argument("--explain", action="store_true", help="print the scan's query plans")
    parser.add_argument(
        "--backends", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql"
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="server URL, no database")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    print(f"machine: {os.cpu_count()} cores, {platform.platform()}")
    print(f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    print(f"cases {args.cases:,} in {args.year}, people {args.people:,}, "
          f"enterprises {args.enterprises:,}, seed {args.seed}, lean {args.lean}")  # fmt: skip
    for backend in args.backends.split(","):
        command = [sys.executable, __file__, "--worker", *_forwarded(args)]
        result = run_in_fresh_database(backend, command, args.postgres)
        report(backend, result, args)


def _forwarded(args) -> list[str]:
    options = [
        "--cases", str(args.cases), "--year", str(args.year), "--month", args.month,
        "--people", str(args.people), "--enterprises", str(args.enterprises),
        "--seed", str(args.seed), "--runs", str(args.runs), "--copies", str(args.copies),
    ]  # fmt: skip
    return options + (["--lean"] if args.lean else []) + (["--explain"] if args.explain else [])


def report(backend: str, result: dict, args) -> None:
    print(f"\n{backend} ({result['server']})")
    print(f"  demo district loaded in {result['load_seconds']:.1f} s")
    sim = result["simulate"]
    print(
        f"  simulate: {sim['cases']:,} cases, {sim['applications']:,} applications in "
        f"{sim['seconds']:.1f} s = {sim['cases'] / sim['seconds']:,.0f} cases/s "
        f"({sim['rows']:,} rows, {sim['rows'] / sim['seconds']:,.0f} rows/s)"
    )
    print(f"  rows: {json.dumps(sim['tables'])}")
    if copied := result.get("copied"):
        print(f"  copied ×{args.copies} in {copied['seconds']:.1f} s: {json.dumps(copied['rows'])}")
    for label in ("month", "year"):
        times = result[label]
        median = statistics.median(times)
        runs = ", ".join(f"{t * 1000:.0f}" for t in times)
        verdict = ""
        if label == "year" and backend == "sqlite":
            met = "met" if median < TARGET_SECONDS else "NOT met"
            verdict = f"  target < {TARGET_SECONDS:.0f} s: {met}"
        period = result["periods"][label]
        print(f"  all indicators, {period}: median {median * 1000:.0f} ms "
              f"(runs {runs} ms){verdict}")  # fmt: skip
    for label in ("month", "year"):
        alone = result["alone"][label]
        slowest = sorted(alone.items(), key=lambda kv: -kv[1])
        print(f"  each alone, {result['periods'][label]} (ms): "
              + ", ".join(f"{code} {t * 1000:.0f}" for code, t in slowest))  # fmt: skip
    for line in result.get("explain", []):
        print("  " + line)


def worker(args) -> None:
    """In the fresh database named by DATABASE_URL: set up, time, print one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onething.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from onething.demo.services import load_demo_district
    from onething.demo.simulator import simulate_year
    from onething.supervision import indicators

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            server = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            server = f"SQLite {cursor.fetchone()[0]}"
    started = time.perf_counter()
    load_demo_district(people=args.people, enterprises=args.enterprises, seed=args.seed)
    load_seconds = time.perf_counter() - started
    progress = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    simulated = simulate_year(
        year=args.year, cases=args.cases, seed=args.seed, lean=args.lean, progress=progress
    )
    copied = copy_year(args.copies) if args.copies > 1 else None
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    today = timezone.localdate()
    periods = {
        "month": indicators.parse_period(args.month, today=today),
        "year": indicators.parse_period(str(args.year), today=today),
    }
    figures = {
        "server": server,
        "load_seconds": load_seconds,
        "simulate": {
            "cases": simulated.cases,
            "applications": simulated.applications,
            "seconds": simulated.seconds,
            "rows": sum(simulated.rows.values()),
            "tables": simulated.rows,
        },
        "periods": {label: period.text for label, period in periods.items()},
        "copied": copied,
        "alone": {},
    }
    for label, period in periods.items():
        figures[label] = timed(lambda p=period: indicators.compute_all(p, today=today), args.runs)
    if args.explain:
        figures["explain"] = explain(periods["year"], today)
    for label, period in periods.items():
        alone = {}
        for indicator in indicators.INDICATORS:
            begun = time.perf_counter()
            indicators.compute(indicator.code, period, today=today)
            alone[indicator.code] = time.perf_counter() - begun
        figures["alone"][label] = alone
    print(json.dumps(figures))


# What a copy changes so that its rows are new rows: ids move past the original's, references
# to copied rows follow them, unique texts get a suffix. Hall and hotline ratings are not
# copied (one per hall service or ticket).
_COPIED = (
    ("cases.Application", "TRUE", {"number": "suffix", "idempotency_key": "suffix"}),
    ("cases.Case", "TRUE", {"application_id": "cases.Application", "number": "suffix"}),
    ("evaluation.Rating", "subject = 'case'", {"case_id": "cases.Case"}),
    ("evaluation.NegativeHandling",
     "rating_id IN (SELECT id FROM evaluation_rating WHERE subject = 'case')",
     {"rating_id": "evaluation.Rating"}),
)  # fmt: skip


def copy_year(copies: int) -> dict:
    """Write the year's applications, cases, case ratings and their handling `copies` times in
    all, by INSERT … SELECT with the secondary indexes (and PostgreSQL's foreign keys) dropped
    and rebuilt once — a database of `copies` × the simulated year whose every copy has the
    year's shape (seasons, units, lateness, ratings). Returns seconds and rows per table."""
    from django.apps import apps
    from django.db import connection, transaction

    from onething.registries.loader import _without_secondary_indexes

    quote = connection.ops.quote_name
    begun = time.perf_counter()
    rows = {}
    with transaction.atomic(), connection.cursor() as cursor:
        spans = {}
        for label, _where, _changes in _COPIED:
            table = apps.get_model(label)._meta.db_table
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quote(table)}")
            spans[label] = cursor.fetchone()[0]
        for label, where, changes in _COPIED:
            model = apps.get_model(label)
            table = quote(model._meta.db_table)
            with _without_secondary_indexes(model):
                for k in range(1, copies):
                    values = []
                    for field in model._meta.concrete_fields:
                        column = quote(field.column)
                        change = changes.get(field.column)
                        if field.primary_key:
                            values.append(f"{column} + {k * spans[label]}")
                        elif change == "suffix":
                            values.append(f"{column} || '-{k}'")
                        elif change:
                            values.append(f"{column} + {k * spans[change]}")
                        else:
                            values.append(column)
                    columns = ", ".join(quote(f.column) for f in model._meta.concrete_fields)
                    cursor.execute(
                        f"INSERT INTO {table} ({columns}) SELECT {', '.join(values)}"
                        f" FROM {table} WHERE id <= {spans[label]} AND {where}"
                    )
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            rows[model._meta.db_table] = cursor.fetchone()[0]
        if connection.vendor == "postgresql":
            for model in {apps.get_model(label) for label, _w, _c in _COPIED}:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f"(SELECT MAX(id) FROM {quote(model._meta.db_table)}))",
                    [model._meta.db_table],
                )
    return {"seconds": time.perf_counter() - begun, "rows": rows}


def timed(work, runs: int) -> list[float]:
    """Seconds of `runs` runs of `work`, after one warm-up run (caches, the calendar)."""
    work()
    times = []
    for _ in range(runs):
        begun = time.perf_counter()
        work()
        times.append(time.perf_counter() - begun)
    return times


def explain(period, today) -> list[str]:
    """The plans of the year's case scan queries, as the database runs them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from onething.supervision import indicators

    with CaptureQueriesContext(connection) as captured:
        indicators.compute_all(period, today=today)
    lines = []
    slow = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:4]
    for query in slow:
        lines.append(f"-- {float(query['time']) * 1000:.0f} ms: {query['sql'][:300]}")
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
        with connection.cursor() as cursor:
            cursor.execute(prefix + query["sql"])
            lines += [" | ".join(str(c) for c in row) for row in cursor.fetchall()]
    return lines


if __name__ == "__main__":
    main()
