"""Time the rule language: Python evaluation, the compiled `Q` in SQLite and PostgreSQL, and
one record against many rules.

    .venv/bin/python benchmarks/rules.py                         # 100,000 enterprises, 5 runs
    .venv/bin/python benchmarks/rules.py --enterprises 20000 --runs 3 --backends sqlite

Each backend gets a fresh database in its own process (a new SQLite file, or a uniquely named
PostgreSQL database dropped afterwards), loaded with `load_population`, `load_legal_entities`
and `load_enterprise_qualifications`. Then, `--runs` times each:

- python: `evaluate` of one 5-condition rule (with a `not` and the set fact) on every
  enterprise's facts, read beforehand; baseline: the same test written by hand in Python;
- sql count / sql ids: `filter(to_q(rule)).count()` and the matching ids fetched; baseline: the
  same filter written by hand with the ORM, counted;
- 1 × 1,000 rules: one enterprise's facts against 1,000 generated 5-condition rules.

Prints each figure's median over the runs (and the first run is not discarded: the process is
warmed by loading). Python figures are measured in every backend's process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import time

from registries import DEFAULT_POSTGRES, ROOT, run_in_fresh_database  # benchmarks/registries.py

ASOF = dt.date(2026, 11, 28)
RULE = {
    "all": [
        {"fact": "employees", "op": "<=", "value": 300},
        {"fact": "industry_code", "op": "starts-with", "value": "C"},
        {"fact": "established_on", "op": "years_before_asof", "value": 3},
        {"not": {"fact": "tax_credit_rating", "op": "in", "value": ["C", "D"]}},
        {
            "fact": "qualifications",
            "op": "contains-any",
            "value": ["专精特新中小企业", "科技型中小企业"],
        },
    ]
}
FIGURES = (
    ("python_us_per_record", "python evaluate", "µs/record"),
    ("python_baseline_us_per_record", "python by hand (baseline)", "µs/record"),
    ("sql_count_ms", "to_q filter + count", "ms"),
    ("sql_ids_ms", "to_q filter, fetch ids", "ms"),
    ("sql_baseline_ms", "ORM filter by hand + count (baseline)", "ms"),
    ("one_record_1000_rules_ms", "1 record × 1,000 rules", "ms"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=200_000, help="legal representatives")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="server URL, no database")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}")
    print(f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    print(f"enterprises {args.enterprises:,}, runs {args.runs}, as of {ASOF}")
    for backend in args.backends.split(","):
        result = run_once(backend, args)
        print(f"\n{backend} ({result['server']}), {result['matched']:,} records match")
        for key, label, unit in FIGURES:
            print(f"  {label:<40}{result[key]:10.2f} {unit}")
        python = result["python_us_per_record"] / result["python_baseline_us_per_record"]
        sql = result["sql_count_ms"] / result["sql_baseline_ms"]
        print(f"  ratios to the baselines: python {python:.1f}×, sql {sql:.2f}×")


def run_once(backend: str, args) -> dict:
    command = [
        sys.executable, __file__, "--worker", "--enterprises", str(args.enterprises),
        "--people", str(args.people), "--runs", str(args.runs),
    ]  # fmt: skip
    return run_in_fresh_database(backend, command, args.postgres)


def generated_rules(count: int, seed: int = 1) -> list[dict]:
    """`count` 5-condition rules over the enterprise catalog, varied thresholds and operators."""
    rng = random.Random(seed)
    rules = []
    for _ in range(count):
        parts = [
            {"fact": "employees", "op": rng.choice(["<=", ">", "between"]), "value": 0},
            {"fact": "industry_code", "op": "starts-with", "value": rng.choice("ABCEFGHI")},
            {"fact": "established_on", "op": "years_before_asof", "value": rng.randint(0, 10)},
            {"fact": "is_high_tech", "op": "is", "value": rng.random() < 0.5},
            {"fact": "qualifications", "op": "contains", "value": "科技型中小企业"},
        ]
        limit = rng.randint(10, 1000)
        parts[0]["value"] = [limit // 2, limit] if parts[0]["op"] == "between" else limit
        rng.shuffle(parts)
        rules.append({"any": parts[:2]} if rng.random() < 0.3 else {"all": parts})
    return rules


def worker(args) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onething.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Q

    from onething.core.regions import load_regions
    from onething.demo.services import generate_communities
    from onething.registries.loader import load_legal_entities, load_population
    from onething.registries.models import Enterprise, EnterpriseQualification
    from onething.registries.qualifications import load_enterprise_qualifications
    from onething.rules import check_rule, evaluate
    from onething.rules.catalogs import ENTERPRISE
    from onething.rules.q import to_q

    call_command("migrate", verbosity=0)
    load_regions(path=settings.ONETHING_REGIONS_CSV)
    generate_communities(district_code=settings.ONETHING_DISTRICT_CODE, seed=1)
    load_population(seed=1, size=args.people, asof=ASOF)
    load_legal_entities(seed=1, size=args.enterprises, asof=ASOF)
    load_enterprise_qualifications()
    assert Enterprise.objects.count() == args.enterprises
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
            cursor.execute("SHOW server_version")
            server = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("ANALYZE")
            server = f"SQLite {sqlite3.sqlite_version}"
    check_rule(RULE, ENTERPRISE)

    kinds: dict[str, set] = {}
    for code, kind in EnterpriseQualification.objects.values_list("credit_code", "kind"):
        kinds.setdefault(code, set()).add(kind)
    names = [n for n, f in ENTERPRISE.facts.items() if f.orm_path]
    records = [
        {**row, "qualifications": kinds.get(row["credit_code"], set()), "asof": ASOF}
        for row in Enterprise.objects.values("credit_code", *names)
    ]
    cutoff = ASOF.replace(year=ASOF.year - 3)
    wanted = {"专精特新中小企业", "科技型中小企业"}

    def by_hand(r):
        return (
            r["employees"] <= 300
            and r["industry_code"].startswith("C")
            and r["established_on"] <= cutoff
            and r["tax_credit_rating"] not in ("C", "D")
            and bool(r["qualifications"] & wanted)
        )

    rule_q = to_q(RULE, ENTERPRISE, asof=ASOF)
    holders = EnterpriseQualification.objects.filter(kind__in=wanted).values("credit_code")
    hand_q = (
        Q(employees__lte=300, industry_code__startswith="C", established_on__lte=cutoff)
        & ~Q(tax_credit_rating__in=["C", "D"])
        & Q(credit_code__in=holders)
    )
    matched = Enterprise.objects.filter(rule_q).count()
    python_matched = sum(evaluate(RULE, r, ENTERPRISE) is True for r in records)
    assert matched == python_matched == sum(map(by_hand, records)), (matched, python_matched)
    rules = generated_rules(1000)
    for rule in rules:
        check_rule(rule, ENTERPRISE)
    one = records[len(records) // 2]

    runs: dict[str, list[float]] = {key: [] for key, _, _ in FIGURES}
    per_record = 1e6 / len(records)
    for _ in range(args.runs):
        runs["python_us_per_record"].append(
            _timed(lambda: [evaluate(RULE, r, ENTERPRISE) for r in records]) * per_record
        )
        runs["python_baseline_us_per_record"].append(
            _timed(lambda: [by_hand(r) for r in records]) * per_record
        )
        runs["sql_count_ms"].append(
            _timed(lambda: Enterprise.objects.filter(to_q(RULE, ENTERPRISE, asof=ASOF)).count())
            * 1e3
        )
        runs["sql_ids_ms"].append(
            _timed(
                lambda: list(
                    Enterprise.objects.filter(to_q(RULE, ENTERPRISE, asof=ASOF)).values_list(
                        "pk", flat=True
                    )
                )
            )
            * 1e3
        )
        runs["sql_baseline_ms"].append(
            _timed(lambda: Enterprise.objects.filter(hand_q).count()) * 1e3
        )
        runs["one_record_1000_rules_ms"].append(
            _timed(lambda: [evaluate(rule, one, ENTERPRISE) for rule in rules]) * 1e3
        )
    figures = {key: statistics.median(values) for key, values in runs.items()}
    figures.update(server=server, matched=matched)
    print(json.dumps(figures))


def _timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
