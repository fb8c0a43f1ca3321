"""Portal search latency over a 5,000-item catalog on SQLite (target: p95 under 30 ms).

    .venv/bin/python benchmarks/search.py            # 5,000 items, 30 rounds
    .venv/bin/python benchmarks/search.py --items 20000 --rounds 10

Builds a fresh SQLite database in a temporary folder: the regions, the departments and the
demo catalog files, then the same items implemented by the other districts of 长沙 (as a city
catalog would hold them) until the catalog has `--items` items. Times `search_items` and the
whole API call (`GET /api/v1/items?q=…`, first page) for a mix of Chinese, full-pinyin,
initials, synonym and filtered queries, and, as a baseline measured in the same run, one
hand-written SQL substring query per search. Prints medians and percentiles in milliseconds.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    ("出生", {}),
    ("出生登记", {}),
    ("食品经营许可", {}),
    ("社保卡", {}),
    ("身份证", {}),
    ("个体户", {}),
    ("建设工程规划", {}),
    ("许可", {}),
    ("证", {}),
    ("养老", {}),
    ("csdj", {}),
    ("chusheng", {}),
    ("shipin", {}),
    ("sbk", {}),
    ("yb", {}),
    ("许可", {"department": "SCJG"}),
    ("登记", {"audience": "person", "online_depth": 4}),
    ("", {"kind": "01"}),
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def build_catalog(target: int) -> int:
    from django.conf import settings

    from onething.catalog import services
    from onething.catalog.loader import _bulk_publish, ensure_code_tables, load_catalog, read_files
    from onething.catalog.models import ServiceItem
    from onething.catalog.tests.factories import BASE_ITEM
    from onething.catalog.validation import item_problems
    from onething.core.models import Region
    from onething.core.regions import load_regions
    from onething.demo.services import generate_communities, load_departments

    load_regions(path=settings.ONETHING_REGIONS_CSV)
    generate_communities(district_code="430112", seed=1)
    load_departments(district_code="430112")
    ensure_code_tables()
    if any(read_files()):
        load_catalog()
        sources = [
            data
            for _, _, data in read_files()
            if str(data.get("implementer")).isupper() and not item_problems(data)
        ]
    else:
        sources = [copy.deepcopy(BASE_ITEM)]
    others = Region.objects.filter(level="district").exclude(code="430112").select_related("parent")
    entries, codes = [], set(ServiceItem.objects.values_list("implementation_code", flat=True))
    count = len(codes)
    for region in others:
        implementer = services.implementer_for_region(region)
        for data in sources:
            if count >= target:
                break
            fields = services.item_fields(dict(data, level=4), implementer)
            if fields["implementation_code"] in codes:
                continue
            codes.add(fields["implementation_code"])
            entries.append((dict(data, level=4), fields))
            count += 1
    _bulk_publish(entries)
    return ServiceItem.objects.count()


def time_ms(function, *args) -> float:
    started = time.perf_counter()
    result = function(*args)
    if hasattr(result, "fetchall"):
        result.fetchall()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="onething-search-")
    os.environ["ONETHING_VAR_DIR"] = folder
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onething.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from onething.catalog.models import ServiceItem
    from onething.catalog.search import SearchFilters, search_items

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    total = build_catalog(args.items)
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}")
    print(f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    print(
        f"catalog: {total:,} items (built in {time.perf_counter() - started:.1f} s), "
        f"{args.rounds} rounds of {len(QUERIES)} queries"
    )
    client = Client()
    search, api, raw = [], [], []
    per_query: dict[str, list[float]] = {}
    for query, filters in QUERIES:  # warm-up
        search_items(ServiceItem.objects.all(), query, SearchFilters(**filters))
    raw_sql = (
        "SELECT id, name FROM catalog_serviceitem WHERE search_words LIKE %s "
        "OR pinyin_initials LIKE %s ORDER BY popularity DESC LIMIT 20"
    )
    items = ServiceItem.objects.all()
    for _ in range(args.rounds):
        for query, filters in QUERIES:
            ms = time_ms(search_items, items, query, SearchFilters(**filters))
            search.append(ms)
            per_query.setdefault(f"{query or '（空）'} {filters or ''}".strip(), []).append(ms)
            api.append(time_ms(client.get, "/api/v1/items", {"q": query, **filters}))
            with connection.cursor() as cursor:
                raw.append(time_ms(cursor.execute, raw_sql, [f"%{query}%", f"%{query}%"]))
    print(f"\n{'':<28}{'median':>9}{'p95':>9}{'p99':>9}{'max':>9}  (ms)")
    for label, values in (
        ("search_items", search),
        ("GET /api/v1/items", api),
        ("baseline: raw SQL LIKE", raw),
    ):
        print(
            f"{label:<28}{statistics.median(values):9.2f}{percentile(values, 0.95):9.2f}"
            f"{percentile(values, 0.99):9.2f}{max(values):9.2f}"
        )
    print(
        f"\np95 search_items / p95 raw SQL: {percentile(search, 0.95) / percentile(raw, 0.95):.1f}×"
    )
    print(
        "target: p95 of search under 30 ms —",
        "met" if percentile(api, 0.95) < 30 else "NOT met",
        "(API p95)",
    )
    print("\nslowest queries (median ms):")
    for label, values in sorted(per_query.items(), key=lambda kv: -statistics.median(kv[1]))[:5]:
        print(f"  {statistics.median(values):7.2f}  {label}")


if __name__ == "__main__":
    main()
