"""Time generating and loading the synthetic registries into SQLite and PostgreSQL.

    .venv/bin/python benchmarks/registries.py                      # 1,000,000 people, 100,000
    .venv/bin/python benchmarks/registries.py --people 50000 --enterprises 5000 --runs 3

Each run is a fresh database in its own process: a new SQLite file in a temporary folder, or a
new, uniquely named PostgreSQL database (dropped afterwards). The process migrates, loads the
regions and the district's communities, then times, for people and for enterprises:

- generate: the generator alone, every row produced and thrown away;
- load: `load_population` / `load_legal_entities` end to end (generate, write, rebuild the
  indexes, audit, commit). Loading streams the generator, so load includes generate.

Prints each run, then the median of the runs per backend and figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432"
FIGURES = ("people_generate", "people_load", "enterprises_generate", "enterprises_load")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1, help="fresh databases per backend")
    parser.add_argument(
        "--backends", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql"
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="server URL, no database")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(people=args.people, enterprises=args.enterprises, seed=args.seed)
        return

    print(f"machine: {os.cpu_count()} cores, {platform.platform()}")
    print(f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    print(f"people {args.people:,}, enterprises {args.enterprises:,}, seed {args.seed}")
    results: dict[str, list[dict]] = {}
    for backend in args.backends.split(","):
        for run in range(1, args.runs + 1):
            result = run_once(backend, args)
            results.setdefault(backend, []).append(result)
            print(f"\n{backend} run {run}/{args.runs} ({result['server']})")
            print_figures(result, args)
    print(f"\nmedians over {args.runs} run(s)")
    for backend, runs in results.items():
        medians = {name: statistics.median(r[name] for r in runs) for name in FIGURES}
        print(f"\n{backend} ({runs[0]['server']})")
        print_figures(medians, args)


def print_figures(figures: dict, args) -> None:
    for label, size, generate, load in (
        ("people", args.people, "people_generate", "people_load"),
        ("enterprises", args.enterprises, "enterprises_generate", "enterprises_load"),
    ):
        for what, key in (("generate", generate), ("load", load)):
            seconds = figures[key]
            rate = size / seconds if seconds else 0
            print(f"  {label:<12}{what:<9}{seconds:8.2f} s {rate:>12,.0f} rows/s")


def run_once(backend: str, args) -> dict:
    """One fresh database, one worker process; returns the worker's figures."""
    command = [
        sys.executable, __file__, "--worker", "--people", str(args.people),
        "--enterprises", str(args.enterprises), "--seed", str(args.seed),
    ]  # fmt: skip
    return run_in_fresh_database(backend, command, args.postgres)


def run_in_fresh_database(backend: str, command: list[str], postgres: str) -> dict:
    """Run a worker `command` against a new SQLite file or a new, uniquely named PostgreSQL
    database (dropped afterwards); returns the JSON figures the worker prints."""
    with tempfile.TemporaryDirectory(prefix="onething-bench-") as folder:
        env = {**os.environ, "ONETHING_VAR_DIR": folder}
        if backend == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
            return _run_worker(command, env)
        if backend != "postgresql":
            raise SystemExit(f"unknown backend {backend!r}")
        import psycopg

        name = f"onething_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(f"{postgres}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            env["DATABASE_URL"] = f"{postgres}/{name}"
            return _run_worker(command, env)
        finally:
            with psycopg.connect(f"{postgres}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run_worker(command: list[str], env: dict) -> dict:
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"worker failed with exit code {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def worker(*, people: int, enterprises: int, seed: int) -> None:
    """In the fresh database named by DATABASE_URL: set up, time, print one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onething.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from onething.core.regions import load_regions
    from onething.demo.services import generate_communities
    from onething.registries.generator import generate_enterprises, generate_people
    from onething.registries.loader import (
        district_communities,
        district_towns,
        legal_representatives,
        load_legal_entities,
        load_population,
    )
    from onething.registries.models import Enterprise, Person

    call_command("migrate", verbosity=0)
    load_regions(path=settings.ONETHING_REGIONS_CSV)
    generate_communities(district_code=settings.ONETHING_DISTRICT_CODE, seed=1)
    asof = timezone.localdate()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            server = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            server = f"SQLite {cursor.fetchone()[0]}"

    figures: dict = {"server": server}
    communities = district_communities()
    figures["people_generate"] = _timed_drain(
        generate_people(seed=seed, size=people, communities=communities, asof=asof)
    )
    started = time.perf_counter()
    loaded = load_population(seed=seed, size=people, asof=asof)
    figures["people_load"] = time.perf_counter() - started
    assert loaded == people == Person.objects.count()

    reps = legal_representatives(asof=asof, count=enterprises)
    figures["enterprises_generate"] = _timed_drain(
        generate_enterprises(
            seed=seed, size=enterprises, towns=district_towns(), legal_reps=reps, asof=asof
        )
    )
    started = time.perf_counter()
    loaded = load_legal_entities(seed=seed, size=enterprises, asof=asof)
    figures["enterprises_load"] = time.perf_counter() - started
    assert loaded == enterprises == Enterprise.objects.count()
    print(json.dumps(figures))


def _timed_drain(rows) -> float:
    started = time.perf_counter()
    for _ in rows:
        pass
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
