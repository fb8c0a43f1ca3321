"""Submitting bundle applications through the real service, and the staff workbench list at
1,000,000 cases, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/cases.py                  # 10,000 submissions; 1,000,000 cases
    .venv/bin/python benchmarks/cases.py --submissions 500 --cases 50000 --backends sqlite
    .venv/bin/python benchmarks/cases.py --submissions 0   # the workbench only

Each phase of each run is a fresh database in its own process (`run_in_fresh_database` of
benchmarks/registries.py: a new SQLite file in a temporary folder, or a new PostgreSQL database
dropped afterwards; uploaded files go to the same temporary folder).

Submissions: the demo district (2,000 people, 200 legal entities, the catalog and the bundles),
one person account per living registry person aged 20–45, then N applications for 出生一件事
(证明遗失, 婚生, 本区户籍, 参保, 申领社保卡, 母亲未参加职工医保: five handling items, so five cases
each), round-robin over those accounts, each as a request makes it: `services.draft_for` then
`services.submit_application` with its own idempotency key and three small PDFs in memory.
Prints submissions and cases per second, and the median and p95 of one submission.

Workbench: the demo district with 50,000 people and 5,000 legal entities, accounts for 20,000
people and 2,000 enterprises, then `--cases` cases with their applications written by the raw
paths (SQLite `executemany`, PostgreSQL `COPY`; the registries loader's own helpers): half the
applications are bundle applications (the demo bundles' example answer sets, items as the
guidance engine finds them), half single-item applications (handling items drawn by the
items' popularity); submitted over the past year on working days; each case's history simulated
over the work calendar (pre-review, correction and resubmission, deemed acceptance, review,
special procedures, extension, decision — 10 % late —, refusal, withdrawal of the whole
application, one delivery per application) and stopped at the start of today, so the states
fall as they would; `due_on` is `clock.deadlines(...).step_due` as `services._refresh_due`
computes it at the case's last transition. Cases and applications only: no timeline events,
materials, notices or uploads (the workbench list reads none of them). Then `ANALYZE`
(PostgreSQL: `VACUUM ANALYZE` of the two tables and `ANALYZE` of the rest, as autovacuum would
have done) and, for the reviewer of the department with the most cases, the clerk of the town
with the most cases, the staff member of the department with the fewest cases (who assisted
nobody), and the supervisor (who sees every case), `--repeat` times each (fewer, at least 10,
once a figure has taken 20 s) after a warm-up:

- page: what `views.workbench` does for the first page — `list(selectors.queue(user)[0:51])`
  and `views._case_rows` (the calendar, then `services.status_of`) for the 50 rows shown;
- the same with `warning=red`, with `state=submitted`, and with `q=` a case number the user
  can see (a different one each time);
- query: the queue query alone (the 51 rows fetched), for the first page.

Prints p50 and p95 in ms and the EXPLAIN plan (PostgreSQL: ANALYZE, BUFFERS) of the department
reviewer's queue query and of every figure slower than 50 ms; then the same for two query
variants a change to the code would make, patched in for the measurement only; with the
candidate indexes that do not exist yet, created in the benchmark database only; and with those
indexes and the unit-only queue together (`--no-candidates` skips all of these). Workers run with
DJANGO_DEBUG=0, as in production.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from registries import DEFAULT_POSTGRES, ROOT, run_in_fresh_database

SUBMIT_PEOPLE, SUBMIT_ENTERPRISES = 2_000, 200
WORKBENCH_PEOPLE, WORKBENCH_ENTERPRISES = 50_000, 5_000
PERSON_ACCOUNTS, ENTERPRISE_ACCOUNTS = 20_000, 2_000
PAGE = 50
BIRTH_ANSWERS = {
    "parents_local": True, "parents_married": True, "by_agent": False, "cert_status": "lost",
    "want_insurance": True, "want_card": True, "mother_insured": False,
}  # fmt: skip
WORKBENCH_FIGURES = ("page", "red", "submitted", "search", "query")

# Candidate indexes: created in the benchmark database only, after the first measurement, when
# no index of that name exists yet, to show what an index in Case.Meta would change.
# Name -> (columns, partial-index condition or "").
CANDIDATES = {
    "case_due": ("due_on, id", ""),
    "case_town_due": ("town_id, due_on, id", ""),
    "case_running_due": ("due_on, id", "state IN (%s)"),  # %s: selectors.RUNNING_STATES
}
TIME_BOX_S = 20  # per figure: stop repeating after this long (at least 10 timings)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=10_000, help="0 skips the phase")
    parser.add_argument("--cases", type=int, default=1_000_000, help="0 skips the phase")
    parser.add_argument("--repeat", type=int, default=100, help="timings per workbench figure")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1, help="fresh databases per backend")
    parser.add_argument(
        "--backends", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql"
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="server URL, no database")
    parser.add_argument("--no-candidates", action="store_true", help="skip candidate indexes")
    parser.add_argument("--worker", choices=("submit", "workbench"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _setup_django()
        figures = submit_worker(args) if args.worker == "submit" else workbench_worker(args)
        print(json.dumps(figures))
        return

    print(f"machine: {os.cpu_count()} cores, {platform.platform()}")
    print(f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    print(f"submissions {args.submissions:,}, cases {args.cases:,}, repeat {args.repeat}, "
          f"seed {args.seed}, runs {args.runs}")  # fmt: skip
    results: dict[str, dict[str, list[dict]]] = {}
    for backend in args.backends.split(","):
        for run in range(1, args.runs + 1):
            for phase, size in (("submit", args.submissions), ("workbench", args.cases)):
                if not size:
                    continue
                started = time.perf_counter()
                result = run_in_fresh_database(backend, _command(phase, args), args.postgres)
                result["wall_s"] = time.perf_counter() - started
                results.setdefault(backend, {}).setdefault(phase, []).append(result)
                print(f"\n== {backend} {phase} run {run}/{args.runs} ({result['server']}), "
                      f"whole run {result['wall_s']:.0f} s")  # fmt: skip
                (print_submit if phase == "submit" else print_workbench)(result)
    if args.runs > 1:
        print(f"\n== medians over {args.runs} runs")
        for backend, phases in results.items():
            for phase, runs in phases.items():
                print(f"\n{backend} {phase}")
                (print_submit if phase == "submit" else print_workbench)(_median(runs))


def _command(phase: str, args) -> list[str]:
    return [
        sys.executable, __file__, "--worker", phase, "--submissions", str(args.submissions),
        "--cases", str(args.cases), "--repeat", str(args.repeat), "--seed", str(args.seed),
        *(["--no-candidates"] if args.no_candidates else []),
    ]  # fmt: skip


def _median(runs: list[dict]) -> dict:
    """The median of every number of the runs' figures (plans and counts from the first)."""

    def merge(values):
        first = values[0]
        if isinstance(first, dict):
            return {k: merge([v[k] for v in values]) for k in first}
        if isinstance(first, (int, float)) and not isinstance(first, bool):
            return statistics.median(values)
        return first

    return merge(runs)


def print_submit(r: dict) -> None:
    print(f"  setup (migrate, demo district, {r['accounts']:,} accounts): {r['setup_s']:.1f} s")
    print(
        f"  {r['submissions']:,} applications, {r['cases']:,} cases "
        f"({r['cases_per_application']} per application: {r['items']}) in {r['total_s']:.1f} s"
    )
    print(
        f"  {r['submissions_per_s']:.1f} submissions/s, {r['cases_per_s']:.1f} cases/s "
        f"(one process, one at a time)"
    )
    print(
        f"  one submission: p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms "
        f"(draft_for p50 {r['draft_p50_ms']:.1f} ms, submit_application p50 "
        f"{r['submit_p50_ms']:.1f} ms); {r['queries']} queries per submission"
    )
    print(f"  states of the cases: {r['states']}")  # fmt: skip


def print_workbench(r: dict) -> None:
    print(
        f"  setup (migrate, demo district, accounts): {r['setup_s']:.1f} s; "
        f"load {r['cases']:,} cases and {r['applications']:,} applications: "
        f"{r['load_s']:.1f} s; analyze {r['analyze_s']:.1f} s"
    )
    print(f"  states: {r['states']}")
    print(f"  open (not concluded, refused, withdrawn or revoked): {r['open']:,}; "
          f"red {r['red']:,}")  # fmt: skip
    for label, rounds in (("as migrated", r["timings"]), *r.get("candidates", {}).items()):
        print(f"\n  {label}: p50 / p95 ms")
        print(f"  {'user':<38}" + "".join(f"{f:>17}" for f in WORKBENCH_FIGURES))
        for user, figures in rounds.items():
            cells = "".join(
                f"{figures[f]['p50']:>9.2f} /{figures[f]['p95']:>6.1f}"
                if f in figures else f"{'':>17}"
                for f in WORKBENCH_FIGURES
            )  # fmt: skip
            counts = sorted({figures[f]["n"] for f in figures})
            print(f"  {user:<38}{cells}   n={'/'.join(map(str, counts))}")
    print(f"\n  queries for one page: {r['page_queries']}")
    for label, plan in r["plans"].items():
        print(f"\n  EXPLAIN {label}:")
        for line in plan.splitlines():
            print(f"    {line}")


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_DEBUG", "0")  # as in production: no query log
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onething.settings")
    import django

    django.setup()


def _server() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def _load_district(*, people: int, enterprises: int, seed: int) -> None:
    from django.core.management import call_command

    from onething.demo.services import load_demo_district

    call_command("migrate", verbosity=0)
    load_demo_district(people=people, enterprises=enterprises, seed=seed)


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _pdf(tag: str) -> bytes:
    """A small valid PDF (one empty page)."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        + f"% {tag}\n".encode()
        + b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


class QueryCounter:
    """Counts the queries run inside `connection.execute_wrapper(counter)`."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


# --- Submissions -----------------------------------------------------------------------------


def submit_worker(args) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from onething.bundles.models import Bundle
    from onething.cases import services
    from onething.cases.models import Application, Case, Upload
    from onething.core.models import Role, User
    from onething.registries.models import Person

    started = time.perf_counter()
    _load_district(people=SUBMIT_PEOPLE, enterprises=SUBMIT_ENTERPRISES, seed=args.seed)
    today = timezone.localdate()
    people = list(
        Person.objects.filter(
            death_date__isnull=True,
            birth_date__lte=_years_ago(today, 20),
            birth_date__gt=_years_ago(today, 46),
        )
        .order_by("id")
        .values_list("id_number", "name", "phone")
    )
    User.objects.bulk_create(
        [
            User(
                username=f"p{id_number}",
                role=Role.PERSON,
                id_number=id_number,
                display_name=name,
                phone=phone,
                password=make_password(None),
            )
            for id_number, name, phone in people
        ],
        batch_size=1000,
    )
    accounts = list(User.objects.filter(role=Role.PERSON).order_by("id"))
    spouses = [row[0] for row in people]
    bundle = Bundle.objects.get(slug="birth")
    setup_s = time.perf_counter() - started

    rng = random.Random(args.seed)
    hospitals = ["望城区人民医院", "望城区妇幼保健计划生育服务中心", "湖南省人民医院"]
    latencies, drafts, submits = [], [], []
    counter = QueryCounter()
    first_items = None
    started = time.perf_counter()
    for n in range(args.submissions):
        user = accounts[n % len(accounts)]
        began = time.perf_counter()
        with connection.execute_wrapper(counter):
            draft = services.draft_for(user, bundle=bundle, answers=BIRTH_ANSWERS)
            drafted = time.perf_counter()
            answers = {
                "applicant_phone": user.phone or f"138{n % 100_000_000:08d}",
                "child_name": f"{user.display_name[:1]}{'明华欣宇子涵'[n % 6]}",
                "child_sex": ("male", "female")[n % 2],
                "child_birth_date": (today - dt.timedelta(days=1 + n % 60)).isoformat(),
                "birth_hospital": hospitals[n % 3],
                "mother_name": "李某某", "mother_id_number": rng.choice(spouses),
                "father_name": user.display_name, "father_id_number": user.id_number,
                "reissue_reason": "lost", "birth_cert_number": f"Q43{n:08d}",
                "birth_weight": "3.2", "hepb_birth_dose": "yes", "bcg_birth_dose": "yes",
                "residence_address": "长沙市望城区高塘岭街道", "child_ethnicity": "汉族",
                "settle_with": "father", "household_address": "长沙市望城区高塘岭街道",
                "guardian_relation": "parent", "card_bank": "bocs", "card_delivery": "pickup",
                "mailing_address": "",
            }  # fmt: skip
            files = {
                row.name: [(f"{row.name}.pdf", _pdf(f"{n}-{row.name}"))]
                for row in draft.form.materials
                if not row.supplied_by
            }
            submission = services.Submission(answers=answers, files=files)
            _, created = services.submit_application(
                actor=user, draft=draft, submission=submission,
                idempotency_key=uuid.uuid4().hex,
            )  # fmt: skip
        ended = time.perf_counter()
        assert created
        if first_items is None:
            first_items = [h.name for h in draft.handling_items]
            assert len(first_items) == 5, first_items
        latencies.append((ended - began) * 1000)
        drafts.append((drafted - began) * 1000)
        submits.append((ended - drafted) * 1000)
    total_s = time.perf_counter() - started
    cases = Case.objects.count()
    assert Application.objects.count() == args.submissions and cases == 5 * args.submissions
    states = {}
    for state, route in Case.objects.values_list("state", "route"):
        key = f"{state}/{route}"
        states[key] = states.get(key, 0) + 1
    return {
        "server": _server(),
        "setup_s": setup_s,
        "accounts": len(accounts),
        "submissions": args.submissions,
        "cases": cases,
        "uploads": Upload.objects.count(),
        "cases_per_application": cases // args.submissions,
        "items": "、".join(first_items),
        "total_s": total_s,
        "submissions_per_s": args.submissions / total_s,
        "cases_per_s": cases / total_s,
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 0.95),
        "draft_p50_ms": statistics.median(drafts),
        "submit_p50_ms": statistics.median(submits),
        "queries": round(counter.count / args.submissions),
        "states": dict(sorted(states.items())),
    }


# --- The workbench at scale ------------------------------------------------------------------


class CaseHistory:
    """One simulated case: its transitions as (working-day index, action), in order."""

    __slots__ = ("decided", "events", "handling", "instant", "resolved", "withdrawn")

    def __init__(self, handling):
        self.handling = handling
        self.events: list[tuple[int, str]] = []
        self.resolved = 0  # day it stops being undecided (decision, refusal)
        self.decided = False  # approved or denied (and so waits for delivery)
        self.instant = False
        self.withdrawn = False


class CaseLoader:
    """Applications and their cases as the services would have left them at the start of today,
    written by the raw paths of the registries loader."""

    APPLICATION_COLUMNS = (
        "id", "number", "applicant_kind", "applicant_code", "applicant_name", "applicant_phone",
        "applicant_user_id", "submitted_by_id", "channel", "consent", "bundle_id",
        "bundle_version_id", "guidance_answers", "form_data", "prefill_sources",
        "delivery_method", "delivery_address", "delivery_tracking", "delivered_at", "status",
        "submitted_at", "concluded_at", "idempotency_key", "request_hash",
    )  # fmt: skip
    CASE_COLUMNS = (
        "id", "application_id", "number", "handling_item_id", "item_id", "item_version_id",
        "department_id", "town_id", "state", "route", "decision", "version", "submitted_at",
        "received_on", "accepted_on", "deemed_accepted", "decided_on", "concluded_at",
        "case_type", "statutory_days", "statutory_unit", "promised_days", "promised_unit",
        "extension_days", "pauses", "due_on", "correction_items", "facts_checked", "updated_at",
    )  # fmt: skip
    PROCEDURES = ("hearing", "testing", "expert", "survey", "appraisal")

    def __init__(self, *, seed: int):
        from django.db import connection
        from django.utils import timezone

        from onething.cases import clock, services
        from onething.cases.models import Application, Case
        from onething.core.services import load_calendar

        for model, columns in ((Application, self.APPLICATION_COLUMNS), (Case, self.CASE_COLUMNS)):
            expected = {f.column for f in model._meta.concrete_fields}
            assert set(columns) == expected, set(columns) ^ expected
        self.rng = random.Random(seed)
        self.clock = clock
        self.sqlite = connection.vendor == "sqlite"
        self.calendar = load_calendar()
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.pre_review_days = services.pre_review_days()
        first, last = self.today - dt.timedelta(days=400), self.today + dt.timedelta(days=800)
        self.days = [
            first + dt.timedelta(days=n)
            for n in range((last - first).days)
            if self.calendar.is_working_day(first + dt.timedelta(days=n))
        ]
        # Transitions before t0 (the first working day from today on) have happened.
        self.t0 = bisect.bisect_left(self.days, self.today)
        self.first_day = bisect.bisect_left(self.days, self.today - dt.timedelta(days=365))
        self.midnight = [
            dt.datetime.combine(day, dt.time(), tzinfo=self.tz).astimezone(dt.UTC)
            for day in self.days[: self.t0 + 1]
        ]
        self._deadlines: dict = {}

    # Working days and times.

    def index_on_or_before(self, day: dt.date) -> int:
        return bisect.bisect_right(self.days, day) - 1

    def stamp(self, index: int, seconds: int) -> dt.datetime:
        return self.midnight[index] + dt.timedelta(seconds=seconds)

    def deadlines(self, clock_, asof: int):
        key = (clock_, asof)
        found = self._deadlines.get(key)
        if found is None:
            found = self._deadlines[key] = self.clock.deadlines(
                clock_, self.calendar, today=self.days[asof],
                pre_review_days=self.pre_review_days,
            )  # fmt: skip
        return found

    # The catalog.

    def read_catalog(self) -> None:
        from onething.bundles.loader import read_bundle_files
        from onething.bundles.models import Bundle
        from onething.bundles.runner import run_guidance
        from onething.cases import services
        from onething.catalog.models import HandlingItem

        published = HandlingItem.objects.filter(item__current_version__isnull=False)
        per_item = Counter(published.values_list("item_id", flat=True))
        self.handling = {}
        for h in published.select_related("item__region__parent").prefetch_related("materials"):
            item = h.item
            department_id, town_id = services._route(item)
            self.handling[h.code] = {
                "id": h.pk, "code": h.code, "name": h.name, "item_id": item.pk,
                "version_id": item.current_version_id, "department_id": department_id,
                "town_id": town_id, "case_type": item.case_type,
                "statutory": (item.statutory_days, item.statutory_unit),
                "promised": (item.promised_days, item.promised_unit),
                "rule": h.approval_rule, "fields": h.form_fields or [],
                "materials": [m.name for m in h.materials.all()][:3] or ["申请表"],
                "person": item.for_person, "enterprise": item.for_enterprise,
                "weight": item.popularity / per_item[item.pk],
            }  # fmt: skip
        bundles = {b.slug: b for b in Bundle.objects.all()}
        self.examples = []
        for data in read_bundle_files():
            bundle = bundles[data["slug"]]
            for example in data["examples"]:
                _, result = run_guidance(bundle, example["answers"], None)
                codes = [m.code for m in result.items if m.code in self.handling]
                if result.complete and codes:
                    self.examples.append((bundle, example["answers"], codes))
        self.singles = [
            h for h in self.handling.values() if h["weight"] and (h["person"] or h["enterprise"])
        ]
        weights, total = [], 0.0
        for h in self.singles:
            total += h["weight"]
            weights.append(total)
        self.single_weights = weights

    def read_applicants(self) -> None:
        from onething.core.models import Role, User
        from onething.registries.models import Enterprise, Person

        by_id = dict(
            User.objects.filter(role=Role.PERSON).values_list("id_number", "id")
        )  # fmt: skip
        self.persons = []
        for code, name, phone, community, town in Person.objects.filter(
            id_number__in=list(by_id)
        ).values_list(
            "id_number", "name", "phone", "household_community__name",
            "household_community__parent__name",
        ):  # fmt: skip
            self.persons.append((by_id[code], code, name, phone, f"长沙市望城区{town}{community}"))
        self.persons.sort()
        accounts = {
            code: (pk, rep) for pk, code, rep in User.objects.filter(
                role=Role.ENTERPRISE).values_list("id", "credit_code", "id_number")
        }  # fmt: skip
        self.enterprises = sorted(
            (accounts[code][0], code, name, legal_rep, accounts[code][1])
            for code, name, legal_rep in Enterprise.objects.filter(
                credit_code__in=list(accounts)
            ).values_list("credit_code", "name", "legal_rep_name")
        )
        self.clerks = list(User.objects.filter(username__in=["clerk", "town-clerk"]).values_list(
            "id", flat=True))  # fmt: skip

    # Histories.

    def plan_case(self, h: dict, s: int) -> CaseHistory:
        rng, case = self.rng, CaseHistory(h)
        events = case.events
        if h["rule"] and rng.random() < 0.7:
            case.instant = case.decided = True
            case.resolved = s
            return case
        immediate = h["case_type"] == "immediate"
        roll = rng.random()
        pre = s + (0 if roll < 0.6 else 1 if roll < 0.9 else rng.randint(2, 4))
        received = s
        corrected = False
        if not immediate and rng.random() < 0.08:
            events.append((pre, "request-correction"))
            if rng.random() < 0.15:  # never resubmitted: refused once the time given is up
                events.append((pre + 40, "refuse"))
                case.resolved = pre + 40
                return case
            received = pre + rng.randint(1, 10)
            events.append((received, "resubmit"))
            pre = received + (0 if rng.random() < 0.7 else 1)
            corrected = True
        if rng.random() < 0.02:
            events.append((pre, "refuse"))
            case.resolved = pre
            return case
        if not immediate and not corrected and rng.random() < 0.02:
            accepted, accepted_on = received + 6, received  # 5 working days passed: deemed
            events.append((accepted, "deem-accept"))
        else:
            accepted = accepted_on = pre
            events.append((accepted, "accept"))
        case.decided = True
        if immediate:  # accepting an immediate case approves it at once
            case.resolved = accepted
            return case
        review = accepted + rng.randint(0, 2) if rng.random() < 0.7 else None
        extend = accepted + rng.randint(1, 3) if rng.random() < 0.04 else None
        pause = None
        if rng.random() < 0.02:
            start = accepted + rng.randint(1, 5)
            pause = (start, start + rng.randint(3, 25))
        clock = self.clock
        planned = clock.Clock(
            state="accepted", received_on=self.days[received],
            accepted_on=self.days[accepted_on], decided_on=None,
            statutory_days=h["statutory"][0], statutory_unit=h["statutory"][1],
            promised_days=h["promised"][0], promised_unit=h["promised"][1],
            extension_days=clock.EXTENSION_DAYS if extend else 0,
            pauses=(clock.Pause("special", self.days[pause[0]], self.days[pause[1]]),)
            if pause else (),
        )  # fmt: skip
        due = self.index_on_or_before(self.deadlines(planned, accepted).promised_due)
        if rng.random() < 0.9:
            decided = rng.randint(accepted + 1, max(accepted + 1, due))
        else:  # late
            decided = max(due, accepted) + rng.randint(1, 20)
        if pause:
            decided = max(decided, pause[1] + 1)
        for day, action in ((review, "review"), (extend, "extend")):
            if day is not None and day < decided:
                events.append((day, action))
        if pause:
            events += [(pause[0], "suspend"), (pause[1], "resume")]
        events.append((decided, "deny" if rng.random() < 0.03 else "approve"))
        events.sort(key=lambda e: e[0])
        case.resolved = decided
        return case

    def plan_application(self, handlings: list[dict], s: int, method: str) -> list[CaseHistory]:
        rng = self.rng
        cases = [self.plan_case(h, s) for h in handlings]
        withdrawn_on = s + rng.randint(0, 8) if rng.random() < 0.02 else None
        if withdrawn_on is not None:
            for case in cases:
                if not case.instant and case.resolved >= withdrawn_on:
                    case.events = [e for e in case.events if e[0] < withdrawn_on]
                    case.events.append((withdrawn_on, "withdraw"))
                    case.withdrawn, case.decided, case.resolved = True, False, withdrawn_on
        waiting = [c for c in cases if c.decided and not c.instant]
        if waiting:
            day = max(c.resolved for c in cases)
            if method == "pickup":
                day += rng.randint(1, 5)
            elif method == "express":
                day += rng.randint(1, 3)
            for case in waiting:
                case.events.append((day, "deliver"))
        return cases

    # Rows.

    def case_row(self, case: CaseHistory, pk, application_id, number, s, submitted_at) -> tuple:
        clock = self.clock
        h, rng = case.handling, self.rng
        state, route, decision, version = "submitted", "normal", "", 1
        received = s
        accepted_on = decided_on = concluded_at = None
        deemed, extension, pauses, corrections = False, 0, [], []
        last, at = s, submitted_at
        facts = []
        if h["rule"]:
            facts = [{
                "result": "true" if case.instant else "false",
                "rule": h["rule"].get("note", "秒批规则"),
                "explanation": "符合全部条件" if case.instant else "不符合：申请表所填条件",
                "facts": [], "checked_at": submitted_at.isoformat(),
            }]  # fmt: skip
        if case.instant:
            state, route, decision = "concluded", "instant", "approved"
            accepted_on = decided_on = s
            concluded_at = submitted_at
        for day, action in case.events:
            if day >= self.t0:
                break
            at = max(
                at + dt.timedelta(minutes=rng.randint(1, 90)),
                self.stamp(day, rng.randint(8 * 3600 + 1800, 17 * 3600 + 1800)),
            )
            last, version = day, version + 1
            if action == "request-correction":
                state = "correction"
                corrections = [{"item": rng.choice(h["materials"]),
                                "problem": "材料不清晰或信息不全，请重新提交"}]  # fmt: skip
            elif action == "resubmit":
                state, received, corrections = "submitted", day, []
            elif action == "refuse":
                state = "refused"
            elif action == "deem-accept":
                state, accepted_on, deemed = "accepted", received, True
            elif action == "accept":
                accepted_on = day
                if h["case_type"] == "immediate":
                    state, decided_on, decision = "approved", day, "approved"
                else:
                    state = "accepted"
            elif action == "review":
                state = "under_review"
            elif action == "extend":
                extension = clock.EXTENSION_DAYS
            elif action == "suspend":
                state = "suspended"
                expected = rng.randint(5, 30)
                pauses = [
                    {
                        "kind": rng.choice(self.PROCEDURES),
                        "start": self.days[day].isoformat(),
                        "end": None,
                        "reason": "需组织现场勘验",
                        "expected_days": expected,
                    }
                ]
            elif action == "resume":
                state = "under_review"
                pauses = [{**pauses[0], "end": self.days[day].isoformat()}]
            elif action in ("approve", "deny"):
                state = decision = "approved" if action == "approve" else "denied"
                decided_on = day
            elif action == "withdraw":
                state, concluded_at = "withdrawn", at
            elif action == "deliver":
                state, concluded_at = "concluded", at
        due_on = None
        if state not in ("concluded", "refused", "withdrawn", "revoked"):
            found = self.deadlines(
                clock.Clock(
                    state=state, received_on=self.days[received],
                    accepted_on=self.days[accepted_on] if accepted_on is not None else None,
                    decided_on=self.days[decided_on] if decided_on is not None else None,
                    statutory_days=h["statutory"][0], statutory_unit=h["statutory"][1],
                    promised_days=h["promised"][0], promised_unit=h["promised"][1],
                    extension_days=extension,
                    pauses=tuple(
                        clock.Pause(p["kind"], dt.date.fromisoformat(p["start"]),
                                    dt.date.fromisoformat(p["end"]) if p["end"] else None)
                        for p in pauses
                    ),
                ),
                last,
            )  # fmt: skip
            due_on = found.step_due
        return (
            pk, application_id, number, h["id"], h["item_id"], h["version_id"],
            h["department_id"], h["town_id"], state, route, decision, version,
            self.when(submitted_at), self.days[received],
            self.days[accepted_on] if accepted_on is not None else None, deemed,
            self.days[decided_on] if decided_on is not None else None, self.when(concluded_at),
            h["case_type"], *h["statutory"], *h["promised"], extension, json.dumps(pauses),
            due_on, json.dumps(corrections), json.dumps(facts), self.when(at),
        )  # fmt: skip

    def when(self, value: dt.datetime | None):
        """A datetime as the ORM sends it: naive UTC text for SQLite, aware for PostgreSQL."""
        if value is None or not self.sqlite:
            return value
        return value.replace(tzinfo=None)

    def form_data(self, handlings: list[dict], applicant: tuple, kind: str, s: int) -> dict:
        if kind == "person":
            _, code, name, phone, address = applicant
            data = {
                "applicant_name": name,
                "applicant_id": code,
                "applicant_phone": phone or "13800000000",
                "applicant_address": address,
            }
        else:
            _, code, name, rep, _rep_id = applicant
            data = {
                "enterprise_name": name,
                "credit_code": code,
                "legal_representative": rep,
                "applicant_name": rep,
                "applicant_phone": "13800000000",
            }
        for h in handlings:
            for spec in h["fields"]:
                if spec["key"] in data:
                    continue
                kind_ = spec["kind"]
                if kind_ == "single" and spec.get("options"):
                    value = spec["options"][0]["value"]
                elif kind_ == "yesno":
                    value = True
                elif kind_ == "date":
                    value = (self.days[s] - dt.timedelta(days=30)).isoformat()
                elif kind_ == "number":
                    value = 1
                elif kind_ == "id_number":
                    value = code if kind == "person" else applicant[4]
                elif kind_ == "phone":
                    value = data["applicant_phone"]
                else:
                    value = f"{spec['label']}（示例）"[:40]
                data[spec["key"]] = value
        return data

    def compose(self, total: int) -> list[tuple]:
        """(handling items, bundle, answers) per application until `total` cases."""
        rng, plans, count = self.rng, [], 0
        while count < total:
            if rng.random() < 0.5:
                bundle, answers, codes = rng.choice(self.examples)
                handlings = [self.handling[c] for c in codes]
            else:
                bundle, answers = None, {}
                handlings = rng.choices(self.singles, cum_weights=self.single_weights)
            handlings = handlings[: total - count]
            plans.append((handlings, bundle, answers))
            count += len(handlings)
        return plans

    def rows(self, total: int):
        """Yield (application rows, case rows) in chunks, oldest first."""
        rng = self.rng
        plans = self.compose(total)
        times = sorted(
            (rng.randint(self.first_day, self.t0 - 1), rng.randint(8 * 3600 + 1800, 17 * 3600))
            for _ in plans
        )
        sequences: dict[str, int] = {}
        self.sequences = sequences
        apps, cases, case_id = [], [], 0
        for app_id, ((handlings, bundle, answers), (s, seconds)) in enumerate(
            zip(plans, times, strict=True), start=1
        ):
            submitted_at = self.stamp(s, seconds)
            year = submitted_at.astimezone(self.tz).year
            kind = "person"
            if bundle is not None:
                kind = bundle.audience
            elif not handlings[0]["person"] or (handlings[0]["enterprise"] and rng.random() < 0.3):
                kind = "enterprise"
            applicant = rng.choice(self.persons if kind == "person" else self.enterprises)
            user_id = applicant[0]
            roll = rng.random()
            method = "electronic" if roll < 0.7 else "pickup" if roll < 0.95 else "express"
            assisted = rng.random() < 0.05
            histories = self.plan_application(handlings, s, method)
            sequences[f"application:{year}"] = number = sequences.get(f"application:{year}", 0) + 1
            app_cases = []
            for history in histories:
                case_id += 1
                sequences[f"case:{year}"] = n = sequences.get(f"case:{year}", 0) + 1
                app_cases.append(
                    self.case_row(history, case_id, app_id, f"WC{year}-{n:07d}", s, submitted_at)
                )
            cases += app_cases
            states = {row[8] for row in app_cases}
            delivered = [r for r in app_cases if r[8] == "concluded" and r[9] != "instant"]
            delivered_at = delivered[0][17] if delivered else None
            status, concluded_at = "open", None
            if states <= {"concluded", "refused", "withdrawn", "revoked"}:
                status = "withdrawn" if states == {"withdrawn"} else "concluded"
                concluded_at = max((r[28] for r in app_cases), default=None)
            person = kind == "person"
            apps.append((
                app_id, f"SQ{year}-{number:07d}", kind, applicant[1], applicant[2],
                (applicant[3] or "13800000000") if person else "13800000000", user_id,
                rng.choice(self.clerks) if assisted else user_id,
                "assisted" if assisted else "online", "本人当面签字确认" if assisted else "",
                bundle.pk if bundle else None, bundle.current_version_id if bundle else None,
                json.dumps(answers), json.dumps(self.form_data(handlings, applicant, kind, s)),
                json.dumps({"applicant_name": "人口库" if person else "法人库"}), method,
                applicant[4] if method == "express" and person else "",
                f"SF{rng.randint(10**11, 10**12 - 1)}" if method == "express" and delivered
                else "", delivered_at, status, self.when(submitted_at), concluded_at,
                f"{rng.getrandbits(128):032x}", f"{rng.getrandbits(256):064x}",
            ))  # fmt: skip
            if len(apps) >= 10_000:
                yield apps, cases
                apps, cases = [], []
        if apps:
            yield apps, cases

    def load(self, total: int) -> tuple[int, int]:
        from django.core.management.color import no_style
        from django.db import connection, transaction

        from onething.cases.models import Application, Case, Sequence
        from onething.registries.loader import _insert, _without_secondary_indexes

        applications = cases = 0
        with transaction.atomic():
            with _without_secondary_indexes(Application), _without_secondary_indexes(Case):
                for app_rows, case_rows in self.rows(total):
                    applications += _insert(Application, self.APPLICATION_COLUMNS, app_rows)
                    cases += _insert(Case, self.CASE_COLUMNS, case_rows)
            for key, value in self.sequences.items():
                Sequence.objects.update_or_create(key=key, defaults={"value": value})
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Application, Case]):
                    cursor.execute(sql)
        return applications, cases


def _create_accounts(*, seed: int) -> int:
    """Person accounts for living adults and enterprise accounts for active enterprises."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from onething.core.models import Role, User
    from onething.registries.models import Enterprise, Person

    today = timezone.localdate()
    password = make_password(None)
    people = Person.objects.filter(
        death_date__isnull=True, birth_date__lte=_years_ago(today, 18),
        birth_date__gt=_years_ago(today, 80),
    ).order_by("id").values_list("id_number", "name", "phone")[:PERSON_ACCOUNTS]  # fmt: skip
    users = [
        User(username=f"p{code}", role=Role.PERSON, id_number=code, display_name=name,
             phone=phone, password=password)
        for code, name, phone in people
    ]  # fmt: skip
    enterprises = Enterprise.objects.filter(status="active").order_by("id").values_list(
        "credit_code", "name", "legal_rep_id_number")[:ENTERPRISE_ACCOUNTS]  # fmt: skip
    users += [
        User(username=f"e{code}", role=Role.ENTERPRISE, credit_code=code, id_number=rep,
             display_name=name[:40], password=password)
        for code, name, rep in enterprises
    ]  # fmt: skip
    User.objects.bulk_create(users, batch_size=2000)
    return len(users)


def _analyze() -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE cases_application")
            cursor.execute("VACUUM ANALYZE cases_case")
            cursor.execute("ANALYZE")  # the regions, catalog and accounts loaded just before
        else:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started


def _explain(queryset) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return queryset.explain(analyze=True, buffers=True)
    return queryset.explain()


def _timed(function, repeat: int) -> dict:
    for _ in range(2):
        function()
    values, began = [], time.perf_counter()
    while len(values) < repeat and (len(values) < 10 or time.perf_counter() - began < TIME_BOX_S):
        started = time.perf_counter()
        function()
        values.append((time.perf_counter() - started) * 1000)
    return {"p50": statistics.median(values), "p95": percentile(values, 0.95), "n": len(values)}


FILTERS = {"page": {}, "red": {"warning": "red"}, "submitted": {"state": "submitted"}}


def _measure(users: dict, numbers: dict, repeat: int, figures=WORKBENCH_FIGURES):
    """`figures` for every user; and the plans of the first user's page and of slow figures."""
    from onething.cases import selectors
    from onething.cases.views import _case_rows

    def page(user, **filters):
        def run():
            cases = list(selectors.queue(user, **filters)[0 : PAGE + 1])
            _case_rows(cases[:PAGE])

        return run

    def search(user, label):
        pool = iter(numbers[label] * (repeat // len(numbers[label]) + 4))
        return lambda: page(user, q=next(pool))()

    timings, plans = {}, {}
    for n, (label, user) in enumerate(users.items()):
        runs = {
            **{name: page(user, **given) for name, given in FILTERS.items()},
            "search": search(user, label),
            "query": lambda user=user: list(selectors.queue(user)[0 : PAGE + 1]),
        }
        timings[label] = {figure: _timed(runs[figure], repeat) for figure in figures}
        given = {**FILTERS, "search": {"q": numbers[label][0]}, "query": {}}
        for figure in figures:
            if (n == 0 and figure in ("page", "query")) or timings[label][figure]["p50"] > 50:
                name = "queue" if figure in ("page", "query") else figure  # the same query
                if f"{label}, {name}" not in plans:
                    query = selectors.queue(user, **given[figure])[0 : PAGE + 1]
                    plans[f"{label}, {name}"] = _explain(query)
    return timings, plans


def _unit_only():
    """Staff see the cases of their unit only (no OR across the join to the application)."""
    from unittest import mock

    from onething.cases.models import CaseQuerySet, _staff_filter

    original = CaseQuerySet.visible_to

    def visible_to(self, user):
        staff = _staff_filter(user)
        return original(self, user) if staff is None else self.filter(staff)

    return mock.patch.object(CaseQuerySet, "visible_to", visible_to)


def _search_ids_first():
    """The application ids read first, then `number = q OR application_id IN (ids)`."""
    from unittest import mock

    from django.db.models import Q

    from onething.cases import selectors
    from onething.cases.models import Application

    def search(cases, q):
        q = (q or "").strip().upper()
        if not q:
            return cases
        ids = list(
            Application.objects.filter(Q(number=q) | Q(applicant_code=q)).values_list(
                "pk", flat=True
            )
        )
        return cases.filter(Q(number=q) | Q(application_id__in=ids))

    return mock.patch.object(selectors, "search", search)


UNIT_ONLY = "staff see their unit's cases only (no OR on application.submitted_by)"
VARIANTS = {
    UNIT_ONLY: (_unit_only, ("page", "red", "submitted", "query")),
    "search: application ids read first": (_search_ids_first, ("search",)),
}


def _existing_indexes() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "cases_case")
    return {name for name, c in constraints.items() if c["index"]}


def workbench_worker(args) -> dict:
    from django.db import connection
    from django.db.models import Count

    from onething.cases import selectors
    from onething.cases.models import Application, Case
    from onething.cases.views import _case_rows
    from onething.cases.workflow import TERMINAL
    from onething.core.models import Role, User

    started = time.perf_counter()
    _load_district(people=WORKBENCH_PEOPLE, enterprises=WORKBENCH_ENTERPRISES, seed=args.seed)
    _create_accounts(seed=args.seed)
    loader = CaseLoader(seed=args.seed)
    loader.read_catalog()
    loader.read_applicants()
    setup_s = time.perf_counter() - started
    started = time.perf_counter()
    applications, cases = loader.load(args.cases)
    load_s = time.perf_counter() - started
    assert cases == args.cases == Case.objects.count()
    assert applications == Application.objects.count()
    analyze_s = _analyze()

    states = dict(Case.objects.values_list("state").annotate(n=Count("*")).order_by("-n"))
    per_department = dict(
        Case.objects.values_list("department_id").annotate(n=Count("*")).order_by()
    )
    per_town = dict(Case.objects.values_list("town_id").annotate(n=Count("*")).order_by())
    reviewer = max(
        User.objects.filter(role=Role.REVIEWER, department__isnull=False),
        key=lambda u: per_department.get(u.department_id, 0),
    )
    town_clerk = max(
        User.objects.filter(role=Role.CLERK, town__isnull=False),
        key=lambda u: per_town.get(u.town_id, 0),
    )
    # A small unit too: its queue has fewer than a page of open cases, the hardest case for a
    # plan that walks an index in due_on order.
    assisting = set(Application.objects.values_list("submitted_by_id", flat=True).distinct())
    small = min(
        User.objects.filter(role__in=[Role.CLERK, Role.REVIEWER], department__isnull=False).exclude(
            pk__in=assisting
        ),
        key=lambda u: per_department.get(u.department_id, 0),
    )
    supervisor = User.objects.get(username="supervisor")
    rng = random.Random(args.seed)
    users, numbers = {}, {}
    for user, unit, own in (
        (reviewer, reviewer.department.code, Case.objects.filter(department=reviewer.department)),
        (town_clerk, town_clerk.town.name, Case.objects.filter(town=town_clerk.town)),
        (small, small.department.code, Case.objects.filter(department=small.department)),
        (supervisor, "all", Case.objects.all()),
    ):
        open_ = selectors.queue(user).count()
        label = f"{user.username} ({unit}: {own.count():,} cases, {open_:,} open)"
        users[label] = user
        # Numbers the workbench finds: open cases of the user's unit.
        fallback = own.values_list("number", flat=True).first() or "WC2000-0000000"
        own = own.exclude(state__in=TERMINAL)
        top = own.order_by("-id").values_list("id", flat=True).first()
        if top is None:
            numbers[label] = [fallback]
            continue
        numbers[label] = [
            own.filter(id__gte=rng.randint(1, top)).order_by("id").values_list(
                "number", flat=True).first() or ""
            for _ in range(min(args.repeat, 100))
        ]  # fmt: skip
    page_queries = {}
    for label, user in users.items():
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            _case_rows(list(selectors.queue(user)[0 : PAGE + 1])[:PAGE])
        page_queries[label.split(" ")[0]] = counter.count

    timings, plans = _measure(users, numbers, args.repeat)
    figures = {
        "server": _server(),
        "setup_s": setup_s, "load_s": load_s, "analyze_s": analyze_s,
        "cases": cases, "applications": applications, "states": states,
        "open": Case.objects.exclude(state__in=TERMINAL).count(),
        "red": selectors.queue(supervisor, warning="red").count(),
        "repeat": args.repeat, "timings": timings, "plans": plans,
        "page_queries": page_queries, "candidates": {},
    }  # fmt: skip
    if args.no_candidates:
        return figures
    for label, (variant, measured) in VARIANTS.items():
        with variant():
            timings, plans = _measure(users, numbers, args.repeat, measured)
        figures["candidates"][f"query variant: {label}"] = timings
        figures["plans"].update({f"{k} ({label})": v for k, v in plans.items()})
    existing = _existing_indexes()
    running = ", ".join(f"'{state}'" for state in selectors.RUNNING_STATES)
    created = []
    with connection.cursor() as cursor:
        for name, (columns, condition) in CANDIDATES.items():
            if name not in existing:
                where = f" WHERE {condition % running}" if condition else ""
                cursor.execute(f"CREATE INDEX {name} ON cases_case ({columns}){where}")
                created.append(f"{name} ({columns}){where}")
    if created:
        _analyze()
        label = "with candidate indexes " + ", ".join(created)
        timings, plans = _measure(users, numbers, args.repeat)
        figures["candidates"][label] = timings
        figures["plans"].update({f"{k} ({label})": v for k, v in plans.items()})
        # Both changes together: the indexes, and the queue of the unit's own cases.
        variant, measured = VARIANTS[UNIT_ONLY]
        with variant():
            timings, plans = _measure(users, numbers, args.repeat, measured)
        label += f", and query variant: {UNIT_ONLY}"
        figures["candidates"][label] = timings
        figures["plans"].update({f"{k} ({label})": v for k, v in plans.items()})
    return figures


if __name__ == "__main__":
    main()
