"""Guidance latency: `POST /api/v1/bundles/{slug}/guidance` for every example answer set of
every demo bundle, and for partial answers (the questionnaire half done), on SQLite.

    .venv/bin/python benchmarks/guidance.py --rounds 20

Builds a fresh SQLite database in a temporary folder with the regions, departments, the demo
catalog and the demo bundles; prints the median, p95 and p99 in ms of the whole API call
(Django test client) and of the guidance engine alone, and, as a baseline in the same run, of
`GET /api/v1/departments` (a small public read). Target: p95 under 20 ms per request.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(function, *args, **kwargs) -> float:
    started = time.perf_counter()
    function(*args, **kwargs)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="onething-guidance-")
    os.environ["ONETHING_VAR_DIR"] = folder
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onething.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from onething.bundles.loader import read_bundle_files
    from onething.bundles.models import Bundle
    from onething.bundles.publishing import load_bundles
    from onething.bundles.runner import run_guidance
    from onething.catalog.loader import load_catalog
    from onething.core.regions import load_regions
    from onething.core.services import seed_calendar_from_package
    from onething.demo.services import generate_communities, load_departments

    call_command("migrate", verbosity=0)
    load_regions(path=settings.ONETHING_REGIONS_CSV)
    generate_communities(district_code="430112", seed=1)
    load_departments(district_code="430112")
    seed_calendar_from_package()
    load_catalog()
    load_bundles()
    cases = []
    for data in read_bundle_files():
        for example in data["examples"]:
            answers = example["answers"]
            cases.append((data["slug"], answers))
            half = dict(list(answers.items())[: max(1, len(answers) // 2)])
            cases.append((data["slug"], half))
    client = Client()
    bundles = {b.slug: b for b in Bundle.objects.all()}
    api, engine, baseline = [], [], []
    for slug, answers in cases:  # warm-up
        client.post(f"/api/v1/bundles/{slug}/guidance", {"answers": answers}, "application/json")
    for _ in range(args.rounds):
        for slug, answers in cases:
            body = json.dumps({"answers": answers})
            api.append(timed(client.post, f"/api/v1/bundles/{slug}/guidance", body,
                             "application/json"))  # fmt: skip
            engine.append(timed(run_guidance, bundles[slug], answers))
            baseline.append(timed(client.get, "/api/v1/departments"))
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}")
    print(f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    print(f"{len(bundles)} bundles, {len(cases)} answer sets × {args.rounds} rounds")
    print(f"\n{'':<36}{'median':>9}{'p95':>9}{'p99':>9}  (ms)")
    for label, values in (
        ("POST /api/v1/bundles/{slug}/guidance", api),
        ("run_guidance (engine + catalog read)", engine),
        ("baseline: GET /api/v1/departments", baseline),
    ):
        print(f"{label:<36}{statistics.median(values):9.2f}{percentile(values, 0.95):9.2f}"
              f"{percentile(values, 0.99):9.2f}")  # fmt: skip
    p95 = percentile(api, 0.95)
    print(f"\ntarget: p95 under 20 ms — {'met' if p95 < 20 else 'NOT met'} ({p95:.2f} ms); "
          f"{p95 / percentile(baseline, 0.95):.1f}× the baseline's p95")  # fmt: skip


if __name__ == "__main__":
    main()
