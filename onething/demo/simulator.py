"""The year simulator: a realistic year of applications and cases, ratings and 12345 hotline
tickets for the demo district, written by the raw bulk path (SQLite `executemany`, PostgreSQL
`COPY`) in one transaction.

What it writes are the rows the services would write for the same submissions and actions
(`onething.cases.services`, `onething.evaluation.services`): the same states, clock fields and
`due_on` (from `cases.clock`), versions, timeline events with the services' actions and
messages (the pure handlers of `cases.services` are called to word them), numbered notices with
their context, materials and uploads, commitment verifications, ratings with their handling of
negative ones, rating links, tickets with their events. `test_simulator.py` runs the same plans
through the services and compares the rows field by field.

Left out on purpose:
- one audit entry per submission and per action: the run writes a single `demo.simulate` audit
  entry (the ledger: year, seed, counts and the id range of every table it wrote);
- notifications (inbox and SMS outbox): a simulated past must not send text messages;
- upload files: the `Upload` rows exist, their files do not (the download answers 文件不存在).

Simulated rows are marked: an application's idempotency key is `sim:<seed>:<n>`, simulated
accounts are named `sim-…` and cannot log in. A year is simulated once; `replace=True` deletes
that year's simulated rows (from the ledger) first. The same seed over the same database gives
the same rows: every draw comes from one `random.Random(seed)` in a fixed order.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from itertools import accumulate
from typing import NamedTuple
from unittest.mock import patch
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from onething.cases import applying, clock, services
from onething.cases.models import (
    Application,
    Case,
    CaseEvent,
    CaseMaterial,
    CommitmentVerification,
    Notice,
    Sequence,
    Upload,
)
from onething.cases.workflow import TERMINAL, TRANSITIONS, UNDECIDED, State
from onething.catalog.models import HandlingItem, Material, ServiceItem
from onething.core.errors import ServiceError
from onething.core.models import AuditEntry, Department, Region, Role, User
from onething.core.services import load_calendar, record_audit

KEY_PREFIX = "sim:"
ACCOUNT_PREFIX = "sim-"
UNUSABLE_PASSWORD = "!simulated"  # Django treats a password starting with "!" as unusable
AUDIT_ACTION = "demo.simulate"
BATCH_SIZE = 50_000
UTC = dt.UTC


# --- Parameters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """The shape of the simulated year. Shares are of all cases unless said otherwise; the
    defaults are the brief's figures for a district (see README "Simulated year")."""

    bundle: float = 0.03  # applications that are a bundle (一件事), several cases each
    tiers: tuple[float, float, float] = (0.72, 0.17, 0.11)  # department, town, community items
    popularity_exponent: float = 1.5  # weight = popularity ** exponent: a Zipf-like head
    online_by_depth: tuple[float, float, float, float] = (0.05, 0.1, 0.35, 0.55)  # Ⅰ…Ⅳ
    correction: float = 0.08
    refusal: float = 0.015
    denial: float = 0.01
    withdrawal: float = 0.005
    deemed: float = 0.002  # no notice within 5 working days: accepted by law (cases_tick)
    late_pre_review: float = 0.04  # online pre-review after more than 1 working day
    overdue_promised: float = 0.02  # decided after the promised limit
    overdue_statutory: float = 0.003  # decided after the statutory limit
    special_procedure: float = 0.3  # of cases whose item lists a procedure of art. 45
    extension: float = 0.01
    commitment: float = 0.5  # of applicants offered 告知承诺 who choose it
    delivery: tuple[float, float, float] = (0.7, 0.25, 0.05)  # electronic, pickup, express
    accounts: float = 0.75  # residents served at a window who have a platform account
    rated: float = 0.78  # cases of applicants with an account rated online once concluded
    hall_rated: float = 0.35  # window visits rated on the hall's tablet
    negative: float = 0.012  # base share of negative ratings; ×6 after refusal, denial, delay
    anonymous: float = 0.1
    appeal: float = 0.03  # of negative ratings
    verify_late: float = 0.08  # negative ratings verified after the limit
    rectify_late: float = 0.05
    tickets_per_thousand: float = 15.0
    ticket_late: float = 0.06  # tickets signed or replied after the limit
    ticket_reassigned: float = 0.05


MONTH_WEIGHTS = (1.0, 0.9, 1.2, 1.05, 0.95, 1.0, 1.05, 1.0, 1.15, 0.9, 1.0, 1.05)
WEEKDAY_WEIGHTS = (1.15, 1.05, 1.0, 1.0, 0.9, 0.75, 0.75)  # Saturday/Sunday: 调休 working days
SPRING_FESTIVAL = "春节"
HANDLING_ITEM_WEIGHTS = (0.6, 0.25, 0.1, 0.05)
CONSENT = "本人当面签字确认，委托窗口工作人员代为网上申报"
HALL_CHANNELS = ("hall_tablet", "terminal")
# Art. 45 procedures by the words an item's special procedure is named with.
PROCEDURE_WORDS = (
    ("听证", "hearing"), ("检测", "testing"), ("检验", "testing"), ("专家", "expert"),
    ("评审", "expert"), ("勘验", "survey"), ("踏勘", "survey"), ("勘察", "survey"),
    ("鉴定", "appraisal"), ("评定", "appraisal"), ("检疫", "quarantine"), ("招标", "tendering"),
    ("拍卖", "tendering"),
)  # fmt: skip
CORRECTION_PROBLEMS = (
    "扫描件不清晰，无法辨认", "缺少申请人签字", "证件已过有效期", "与登记信息不一致",
    "缺少盖章", "页数不全",
)  # fmt: skip
REFUSAL_REASONS = (
    "申请事项不属于本机关职权范围，请向有关行政机关申请",
    "逾期未按补正通知提交补正材料",
    "申请人不具备申请资格",
)
DENIAL_REASONS = (
    "经审查，申请人不符合法定条件",
    "现场核查发现实际情况与申请材料不符",
    "经审查，申请材料所载内容与基础库信息不一致",
)
EXTENSION_REASONS = ("需现场核查的事项较多", "涉及多个部门会商", "申请材料内容复杂，需进一步审查")


# --- Plans -----------------------------------------------------------------------------------


@dataclass
class Step:
    """One action on one case of an application: `case` is the case's position in the
    application; `action` a workflow action, or "verify" (a commitment's verification)."""

    at: dt.datetime
    case: int
    action: str
    actor: object | None  # None: the system (cases_tick)
    data: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)  # resubmit: material name → [(name, bytes)]


@dataclass
class ApplicationPlan:
    """One submission and everything done to its cases afterwards, in time order."""

    key: str
    actor: object  # who submits: the applicant's account, or a window clerk
    applicant: services.Applicant
    handling_items: list[HandlingItem]
    submitted_at: dt.datetime
    answers: dict  # the form as posted
    files: dict  # material name → [(file name, bytes)]
    commitments: list[str] = field(default_factory=list)
    delivery_method: str = Application.Delivery.ELECTRONIC
    delivery_address: str = ""
    consent: str = ""  # assisted service
    bundle: object | None = None
    guidance_answers: dict = field(default_factory=dict)
    needs: dict | None = None  # a bundle's materials per handling item
    steps: list[Step] = field(default_factory=list)
    checks: dict | None = None  # instant-approval checks, when already made while planning
    content_key: str = ""  # makes the simulated files of one application its own


def answers_for(form, rng: random.Random, at: dt.datetime, persons) -> dict:
    """What an applicant types into `form`: every field the registry did not fill, and some of
    the optional ones; plausible values drawn from `rng` (`persons` lend names and addresses)."""
    answers = {}
    day = at.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    for spec in form.all_fields:
        if spec.value is not None or (not spec.required and rng.random() < 0.4):
            continue
        answers[spec.key] = _value(spec, rng, day, persons[rng.randrange(len(persons))])
    return answers


def _value(spec, rng: random.Random, day: dt.date, person):
    kind, label = spec.kind, spec.label
    if kind == "number":
        return rng.randint(1, 200)
    if kind == "date":
        return (day - dt.timedelta(days=rng.randint(1, 300))).isoformat()
    if kind == "single":
        return spec.options[rng.randrange(len(spec.options))][0]
    if kind == "yesno":
        return rng.random() < 0.5
    if kind == "id_number":
        return person.id_number
    if kind == "phone":
        return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
    community = person.household_community
    if any(word in label for word in ("地址", "地点", "场所")):
        return f"长沙市望城区{community.parent.name}{community.name}{rng.randint(1, 300)}号"
    if "姓名" in label or label.endswith("人"):
        return person.name
    if "名称" in label:
        return f"望城区{person.name[0]}记商行"
    return f"{label}（按实际情况填写）"[:200]


def files_for(form, commitments, rng: random.Random | None = None) -> list[str]:
    """The materials an applicant uploads: every required one that neither shared data, an
    e-license nor a chosen commitment supplies, and (with `rng`) half of the optional ones."""
    committed = set(commitments)
    return [
        row.name
        for row in form.materials
        if not row.supplied_by
        and not set(row.commitment_by) & committed
        and (row.required or (rng is not None and rng.random() < 0.5))
    ]


def pdf_bytes(key: str, material: str) -> bytes:
    """The content of a simulated material: a (tiny) PDF that says what it stands for."""
    return f"%PDF-1.4\n% onething simulated material {key} {material}\n%%EOF\n".encode()


def material_files(key: str, names) -> dict:
    return {name: [(f"{name}.pdf", pdf_bytes(key, name))] for name in names}


# --- Time ------------------------------------------------------------------------------------


class Clock:
    """Local time and working days of the simulation (Asia/Shanghai, the work calendar)."""

    def __init__(self, calendar, first: dt.date, last: dt.date):
        self.calendar = calendar
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.working = []
        day = first
        while day <= last:
            if calendar.is_working_day(day):
                self.working.append(day)
            day += dt.timedelta(days=1)

    def local(self, at: dt.datetime) -> dt.datetime:
        return at.astimezone(self.zone)

    def day(self, at: dt.datetime) -> dt.date:
        return at.astimezone(self.zone).date()

    def at(self, day: dt.date, minute: float) -> dt.datetime:
        """The moment `minute` minutes after local midnight of `day`, in UTC."""
        local = dt.datetime(day.year, day.month, day.day, tzinfo=self.zone)
        return (local + dt.timedelta(seconds=int(minute * 60))).astimezone(UTC)

    def add(self, day: dt.date, days: int) -> dt.date:
        """`days` working days after `day` (0: `day` itself), as add_working_days counts."""
        if days <= 0:
            return day
        return self.working[bisect.bisect_right(self.working, day) + days - 1]

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end`."""
        return bisect.bisect_right(self.working, end) - bisect.bisect_right(self.working, start)

    def office_time(self, rng: random.Random, day: dt.date, after: dt.datetime | None = None):
        """A moment in office hours (8:30–12:00, 14:00–17:30) of working day `day`, later than
        `after` when that is on the same day (or just after it, when office hours are over)."""
        low = 510.0
        if after is not None and self.day(after) == day:
            local = self.local(after)
            low = max(low, local.hour * 60 + local.minute + local.second / 60 + 1)
        if low >= 1050:
            return after + dt.timedelta(minutes=rng.randint(1, 20))
        minute = rng.uniform(low, 1050)
        if 720 <= minute < 840:  # lunch: 12:00–14:00
            minute = rng.uniform(max(low, 840), 1050) if low < 1050 else minute
        return self.at(day, minute)


# --- Reference data --------------------------------------------------------------------------


class Town(NamedTuple):
    name: str


class Community(NamedTuple):
    name: str
    parent_id: int
    parent: Town
    pk: int = 0


class Person(NamedTuple):
    """The registry fields `applying.applicant_fields` reads, and a few for drawing."""

    pk: int
    id_number: str
    name: str
    phone: str
    birth_date: dt.date
    household_community: Community
    town_id: int
    sex: str = ""
    marital_status: str = ""


class Enterprise(NamedTuple):
    credit_code: str
    name: str
    legal_rep_id_number: str
    legal_rep_name: str
    town_id: int
    tax_credit_rating: str


class Account:
    """A simulated account, written as a `core.User` row; quacks like a User where the
    services read one (str(), unit_name, role, phone, display_name)."""

    is_authenticated = True

    def __init__(self, pk, username, display_name, role, *, department=None, town=None,
                 id_number="", credit_code="", phone=""):  # fmt: skip
        self.pk = self.id = pk
        self.username, self.display_name, self.role = username, display_name, role
        self.department, self.town = department, town
        self.department_id = department.pk if department else None
        self.town_id = town.pk if town else None
        self.id_number, self.credit_code, self.phone = id_number, credit_code, phone

    def __str__(self):
        return self.display_name or self.username

    @property
    def unit_name(self) -> str:
        if self.department is not None:
            return self.department.name
        return self.town.name if self.town is not None else ""

    @property
    def is_applicant(self) -> bool:
        return self.role in (Role.PERSON, Role.ENTERPRISE)


@dataclass
class Unit:
    """A department or a town that handles cases, with its (simulated) staff."""

    department: Department | None
    town: Region | None
    code: str  # the notice-series code: the department's code or T + the town's code
    mark: str
    clerks: list = field(default_factory=list)
    reviewer: object | None = None

    @property
    def name(self) -> str:
        return self.department.name if self.department else self.town.name


@dataclass
class ItemChoice:
    item: ServiceItem
    handling: list[HandlingItem]
    unit: Unit
    procedure: tuple[str, str, int] | None  # (key, name, max days) of an art. 45 procedure


def _procedure_of(item: ServiceItem) -> tuple[str, str, int] | None:
    for entry in item.special_procedures or []:
        name = str(entry.get("name", "")) if isinstance(entry, dict) else str(entry)
        for word, key in PROCEDURE_WORDS:
            if word in name:
                days = entry.get("max_days", 10) if isinstance(entry, dict) else 10
                return key, name, int(days or 10)
    return None


class World:
    """Everything a simulation draws from: calendar, items and their units, staff, applicants,
    bundles; and the accounts it creates (queued as User rows on `writer`)."""

    def __init__(self, *, rates: Rates, writer: Writer, first: dt.date, last: dt.date):
        self.rates = rates
        self.writer = writer
        self.first = first
        self.calendar = load_calendar()
        self.clock = Clock(self.calendar, first - dt.timedelta(days=30), last)
        self.pre_review_days = services.pre_review_days()
        self.district = Region.objects.get(code=settings.ONETHING_DISTRICT_CODE)
        self._load_units()
        self._load_items()
        self._load_registries()
        self._load_accounts()
        self._load_bundles()
        from onething.registries.models import CreditRecord

        self.barred = set(CreditRecord.objects.barring().values_list("subject_code", flat=True))

    # Units and staff.

    def _load_units(self) -> None:
        self.units = load_units(self.district)
        self.bureau = self.units[(Department.objects.get(code="XZSP").pk, None)]

    def unit_for(self, item: ServiceItem) -> Unit | None:
        department_id, town_id = services._route(item)
        return self.units.get((department_id, town_id))

    # Items.

    def _load_items(self) -> None:
        handling = (
            HandlingItem.objects.filter(
                item__current_version__isnull=False, item__kind__on_application=True
            )
            .select_related(
                "item__department__region", "item__region__parent", "item__current_version",
                "item__kind",
            )
            .prefetch_related(
                models.Prefetch("materials", queryset=Material.objects.order_by("sort_order"))
            )
            .order_by("item__implementation_code", "sort_order", "code")
        )  # fmt: skip
        by_item: dict[int, ItemChoice] = {}
        self.handling_by_code: dict[str, HandlingItem] = {}
        for row in handling:
            self.handling_by_code[row.code] = row
            choice = by_item.get(row.item_id)
            if choice is None:
                unit = self.unit_for(row.item)
                if unit is None:
                    continue
                choice = by_item[row.item_id] = ItemChoice(
                    row.item, [], unit, _procedure_of(row.item)
                )
            choice.handling.append(row)
        tiers: list[list[ItemChoice]] = [[], [], []]
        for choice in by_item.values():
            level = choice.item.region.level
            tier = 2 if level == Region.Level.COMMUNITY else 1 if level == Region.Level.TOWN else 0
            tiers[tier].append(choice)
        exponent = self.rates.popularity_exponent
        self.tiers = []
        promised = 0.0
        for share, choices in zip(self.rates.tiers, tiers, strict=True):
            weights = [(c.item.popularity + 5) ** exponent for c in choices]
            total = sum(weights) or 1.0
            promised += share * sum(
                w for w, c in zip(weights, choices, strict=True)
                if c.item.case_type == ServiceItem.CaseType.PROMISED
            ) / total  # fmt: skip
            self.tiers.append((choices, list(accumulate(weights))))
        self.tier_cumulative = list(accumulate(self.rates.tiers))
        self.promised_share = max(promised, 0.05)

    def draw_item(self, rng: random.Random) -> ItemChoice:
        tier = bisect.bisect_right(self.tier_cumulative, rng.random() * self.tier_cumulative[-1])
        choices, cumulative = self.tiers[min(tier, 2)]
        if not choices:
            choices, cumulative = self.tiers[0]
        return choices[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]

    # Registries.

    def _load_registries(self) -> None:
        from onething.registries.models import Enterprise as EnterpriseRow
        from onething.registries.models import Person as PersonRow

        communities = {}
        for pk, name, parent_id, parent_name in Region.objects.filter(
            level=Region.Level.COMMUNITY, parent__parent=self.district
        ).values_list("pk", "name", "parent_id", "parent__name"):
            communities[pk] = Community(name, parent_id, Town(parent_name), pk)
        self.persons: list[Person] = []
        self.by_town: dict[int, list[int]] = {}
        self.by_community: dict[int, list[int]] = {}
        self.person_by_id_number: dict[str, Person] = {}
        adult = years_before(self.clock.working[-1], 18)
        rows = (
            PersonRow.objects.filter(death_date__isnull=True, birth_date__lte=adult)
            .order_by("pk")
            .values_list(
                "pk", "id_number", "name", "phone", "birth_date", "household_community_id", "sex",
                "marital_status",
            )
        )  # fmt: skip
        for pk, id_number, name, phone, birth, community_id, sex, marital in rows.iterator(
            chunk_size=20_000
        ):
            community = communities.get(community_id)
            if community is None:
                continue
            person = Person(
                pk, id_number, name, phone, birth, community, community.parent_id, sex, marital
            )
            index = len(self.persons)
            self.persons.append(person)
            self.person_by_id_number[id_number] = person
            self.by_town.setdefault(community.parent_id, []).append(index)
            self.by_community.setdefault(community_id, []).append(index)
        rows = Region.objects.filter(pk__in=communities).select_related("parent")
        self.community_rows = {r.pk: r for r in rows}
        self.enterprises = [
            Enterprise(*row)
            for row in EnterpriseRow.objects.filter(status="active")
            .order_by("pk")
            .values_list(
                "credit_code",
                "name",
                "legal_rep_id_number",
                "legal_rep_name",
                "town_id",
                "tax_credit_rating",
            )
            if row[2] in self.person_by_id_number
        ]
        if not self.persons:
            raise ServiceError("人口库中没有本区的成年人，请先运行 manage.py load_demo")

    def draw_person(self, rng: random.Random, item: ServiceItem) -> Person:
        """A resident: for a town's or a community's own item mostly one who lives there."""
        pool = None
        if rng.random() < 0.85:
            if item.region.level == Region.Level.COMMUNITY:
                pool = self.by_community.get(item.region_id)
            elif item.region.level == Region.Level.TOWN:
                pool = self.by_town.get(item.region_id)
        if pool:
            return self.persons[pool[rng.randrange(len(pool))]]
        return self.persons[rng.randrange(len(self.persons))]

    def draw_enterprise(self, rng: random.Random) -> Enterprise | None:
        if not self.enterprises:
            return None
        return self.enterprises[rng.randrange(len(self.enterprises))]

    # Accounts.

    def _load_accounts(self) -> None:
        self.accounts: dict[str, object] = {}  # username → account
        self.person_accounts: dict[str, object] = {}  # id number → first person account
        self.enterprise_accounts: dict[str, object] = {}  # credit code → first account
        users = User.objects.select_related("department", "town").order_by("pk")
        for user in users.filter(role__in=(Role.PERSON, Role.ENTERPRISE)):
            if user.role == Role.PERSON and user.id_number:
                self.person_accounts.setdefault(user.id_number, user)
            elif user.credit_code:
                self.enterprise_accounts.setdefault(user.credit_code, user)
        for user in users.filter(username__startswith=ACCOUNT_PREFIX):
            self.accounts[user.username] = user
        staff_names = _staff_names(self.persons)
        joined = self.clock.at(self.first, 480)
        for index, unit in enumerate(self.units.values()):
            names = staff_names[index * 3 : index * 3 + 3] or ["窗口人员", "窗口人员", "审批人员"]
            for n in (1, 2):
                unit.clerks.append(
                    self.account(f"sim-{unit.code}-clerk{n}", names[(n - 1) % len(names)],
                                 Role.CLERK, joined, department=unit.department, town=unit.town)
                )  # fmt: skip
            unit.reviewer = self.account(
                f"sim-{unit.code}-reviewer", names[-1], Role.REVIEWER, joined,
                department=unit.department, town=unit.town,
            )  # fmt: skip
        self.hotline = [
            self.account(f"sim-hotline{n}", f"12345热线话务员{n}", Role.SUPERVISOR, joined,
                         department=self.bureau.department)
            for n in (1, 2)
        ]  # fmt: skip

    def account(self, username: str, display_name: str, role: str, joined, **fields):
        """The account named `username`, created (as a queued User row, joined at `joined`)
        when missing."""
        found = self.accounts.get(username)
        if found is not None:
            return found
        at = joined
        account = Account(self.writer.next_id(User), username, display_name, role, **fields)
        self.writer.add(
            User, id=account.pk, password=UNUSABLE_PASSWORD, last_login=None,
            is_superuser=False, username=username, first_name="", last_name="", email="",
            is_staff=False, is_active=True, date_joined=at, display_name=display_name,
            role=role, department_id=account.department_id, town_id=account.town_id,
            id_number=account.id_number, credit_code=account.credit_code, phone=account.phone,
        )  # fmt: skip
        self.accounts[username] = account
        return account

    def person_account(self, person: Person, joined: dt.datetime):
        found = self.person_accounts.get(person.id_number)
        if found is None:
            found = self.account(
                f"{ACCOUNT_PREFIX}{person.id_number}", person.name, Role.PERSON, joined,
                id_number=person.id_number, phone=person.phone,
            )  # fmt: skip
            self.person_accounts[person.id_number] = found
        return found

    def enterprise_account(self, enterprise: Enterprise, joined: dt.datetime):
        found = self.enterprise_accounts.get(enterprise.credit_code)
        if found is None:
            rep = self.person_by_id_number[enterprise.legal_rep_id_number]
            found = self.account(
                f"{ACCOUNT_PREFIX}{enterprise.credit_code}", f"{rep.name}（{enterprise.name}）",
                Role.ENTERPRISE, joined, id_number=rep.id_number,
                credit_code=enterprise.credit_code, phone=rep.phone,
            )  # fmt: skip
            self.enterprise_accounts[enterprise.credit_code] = found
        return found

    # Bundles.

    def _load_bundles(self) -> None:
        from onething.bundles.loader import read_bundle_files
        from onething.bundles.models import Bundle

        examples = {data["slug"]: data.get("examples") or [] for data in read_bundle_files()}
        self.bundles: dict[str, list] = {"person": [], "enterprise": []}
        bundles = Bundle.objects.filter(current_version__isnull=False).order_by("slug")
        for bundle in bundles.select_related("current_version"):
            for example in examples.get(bundle.slug, []):
                answers = example.get("answers") or {}
                codes, needs = bundle_needs(bundle, answers)
                if codes and all(code in self.handling_by_code for code in codes):
                    self.bundles.setdefault(bundle.audience, []).append((bundle, answers, needs))


def load_units(district: Region) -> dict[tuple, Unit]:
    """The district's departments and current towns by (department id, town id), each with
    the mark its notice numbers carry (services.unit_mark)."""
    units: dict[tuple, Unit] = {}
    for department in Department.objects.select_related("region").order_by("sort_order"):
        units[(department.pk, None)] = Unit(department, None, department.code, "")
    towns = Region.objects.filter(
        parent=district, level=Region.Level.TOWN, valid_to__isnull=True
    ).order_by("code")
    for town in towns:
        units[(None, town.pk)] = Unit(None, town, f"T{town.code}", "")
    marks = Counter()
    for unit in units.values():
        unit.mark = services.unit_mark(_unit_case(unit))
        marks[unit.mark] += 1
    # Two units with one mark would issue the same notice numbers (services.unit_mark gives
    # 区公安分局 and 公积金中心 both 公): those get the shortest prefix of their name that no
    # other unit's name starts with (望公积受, 望公安受). See README "Simulated year".
    names = {unit.code: _unit_short_name(unit) for unit in units.values()}
    for unit in units.values():
        if marks[unit.mark] > 1:
            others = [name for code, name in names.items() if code != unit.code]
            unit.mark = _unique_prefix(names[unit.code], others)
    return units


def _staff_names(persons: list[Person]) -> list[str]:
    """Names for simulated staff: residents of working age, in registry order."""
    return [p.name for p in persons if 1966 <= p.birth_date.year <= 2000][:400]


def _unit_case(unit: Unit):
    """What services.unit_mark reads of a case, for a unit."""

    class _Case:
        department_id = unit.department.pk if unit.department else None
        department = unit.department
        town_id = unit.town.pk if unit.town else None
        town = unit.town

    return _Case()


def _unit_short_name(unit: Unit) -> str:
    if unit.department is not None:
        return unit.department.name.removeprefix("区").removeprefix("望城")
    return unit.town.name


def _unique_prefix(name: str, others: list[str]) -> str:
    for length in range(1, len(name) + 1):
        if not any(other.startswith(name[:length]) for other in others):
            return name[:length]
    return name


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def bundle_needs(bundle, answers: dict) -> tuple[list[str], dict[str, set]]:
    """The handling items and, per item, the materials a bundle's guidance gives for `answers`
    (as services.draft_for computes them)."""
    from onething.bundles.runner import run_guidance

    _, result = run_guidance(bundle, answers, None)
    if not result.complete:
        return [], {}
    codes = [m.code for m in result.items]
    code_of = {m.name: m.code for m in result.items}
    needs: dict[str, set] = {code: set() for code in codes}
    for material in result.materials + result.exempt:
        for name in material.needed_by:
            if name in code_of:
                needs[code_of[name]].add(material.name)
    return codes, needs


# --- Writing ---------------------------------------------------------------------------------


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
        self.order = {model: n for n, model in enumerate(_models())}

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
        return {
            model._meta.db_table: [self.first_ids[model._meta.db_table], table.next_id - 1]
            for model, table in self.tables.items()
            if table.next_id > self.first_ids[model._meta.db_table]
        }

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
    """Django's SQLite adapter: naive UTC text, as str() writes it."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
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


# --- Executing: what the services write -----------------------------------------------------


class SimApplication:
    pass


class SimCase:
    """A case in memory with the attributes the services' pure handlers and clock_of read."""

    application: SimApplication


class Executor:
    """Turns plans into rows exactly as `cases.services` (and the rating services) would: the
    submission (`_create`), each `perform` with its handler, `_refresh_due`, `_event`,
    `_issue`, `_after_change` and `_deliver_all`, mirrored here without the ORM."""

    def __init__(self, writer: Writer, *, calendar, pre_review_days: int, units: dict,
                 notices: NoticeBook):  # fmt: skip
        self.writer = writer
        self.calendar = calendar
        self.pre_review_days = pre_review_days
        self.units = units
        self.notices = notices
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.sequences: Counter = Counter()
        self._deadline_cache: dict = {}
        self._forms: dict = {}
        self.stats: Counter = Counter()

    # Numbers.

    def next_number(self, key: str) -> int:
        self.sequences[key] += 1
        return self.sequences[key]

    def localdate(self, at: dt.datetime) -> dt.date:
        return at.astimezone(self.zone).date()

    # Deadlines, as services.status_of / _refresh_due compute them.

    def deadlines(self, case, today: dt.date) -> clock.Deadlines:
        found_clock = services.clock_of(case)
        open_pause = case.pauses and any(p.end is None for p in found_clock.pauses)
        key = (found_clock, today if open_pause else None)
        found = self._deadline_cache.get(key)
        if found is None:
            if len(self._deadline_cache) > 400_000:
                self._deadline_cache.clear()
            found = clock.deadlines(
                found_clock, self.calendar, today=today, pre_review_days=self.pre_review_days
            )
            self._deadline_cache[key] = found
        return found

    def refresh_due(self, case, today: dt.date) -> None:
        case.due_on = None if case.state in TERMINAL else self.deadlines(case, today).step_due

    # The application form.

    def form_for(self, plan: ApplicationPlan) -> applying.ApplicationForm:
        applicant = plan.applicant
        supplied = applicant.person is not None and (
            applicant.kind != "enterprise" or applicant.enterprise is not None
        )
        needs_key = (
            tuple((code, tuple(sorted(names))) for code, names in sorted(plan.needs.items()))
            if plan.needs is not None
            else None
        )
        key = (tuple(h.code for h in plan.handling_items), applicant.kind, supplied, needs_key)
        base = self._forms.get(key)
        if base is None:
            base = self._forms[key] = applying.build_form(
                plan.handling_items, kind=applicant.kind, person=applicant.person,
                enterprise=applicant.enterprise, user=applicant.user, needs=plan.needs,
            )  # fmt: skip
        return applying.ApplicationForm(
            applicant_fields=applying.applicant_fields(
                applicant.kind, applicant.person, applicant.enterprise, applicant.user
            ),
            fields=base.fields,
            materials=base.materials,
            commitments=base.commitments,
        )

    # Submitting (services.submit_application and _create).

    def submit(self, plan: ApplicationPlan) -> SimApplication:
        form = self.form_for(plan)
        answers, errors = applying.parse_answers(form, plan.answers)
        committed = set(plan.commitments)
        provided: dict[str, str] = {}
        for row in form.materials:
            has_file = bool(plan.files.get(row.name))
            if row.supplied_by:
                provided[row.name] = row.supplied_by
            elif has_file:
                provided[row.name] = "uploaded"
            elif set(row.commitment_by) & committed:
                provided[row.name] = "commitment"
            elif row.required:
                errors[f"materials.{row.name}"] = f"请上传“{row.name}”"
            else:
                provided[row.name] = "missing"
        if errors:
            raise ServiceError(f"模拟申请 {plan.key} 有 {len(errors)} 处需要修改", fields=errors)
        applicant = plan.applicant
        actor = plan.actor
        now = plan.submitted_at
        today = self.localdate(now)
        assisted = actor.role in services._STAFF
        payload = {
            "items": [h.code for h in plan.handling_items],
            "bundle": plan.bundle.slug if plan.bundle else "",
            "applicant": applicant.code,
            "answers": plan.answers,
            "files": {
                name: sorted(hashlib.sha256(data).hexdigest() for _, data in files)
                for name, files in plan.files.items()
            },
            "uploads": {},
            "commitments": sorted(plan.commitments),
            "delivery": [plan.delivery_method, plan.delivery_address],
        }
        app = SimApplication()
        app.pk = self.writer.next_id(Application)
        app.number = f"SQ{today.year}-{self.next_number(f'application:{today.year}'):07d}"
        app.plan = plan
        app.applicant_kind, app.applicant_code = applicant.kind, applicant.code
        app.applicant_name = applicant.name
        app.applicant_phone = answers.get("applicant_phone") or applicant.phone or ""
        app.applicant_user = applicant.user
        app.submitted_by = actor
        app.channel = Application.Channel.ASSISTED if assisted else Application.Channel.ONLINE
        app.consent = plan.consent[:300] if assisted else ""
        app.form_data = answers
        app.prefill_sources = {f.key: f.source for f in form.all_fields if f.source}
        app.delivery_method = plan.delivery_method
        app.delivery_address = (plan.delivery_address or "").strip()[:200]
        app.delivery_tracking = ""
        app.delivered_at = None
        app.status = Application.Status.OPEN
        app.submitted_at = now
        app.concluded_at = None
        app.request_hash = services._payload_hash(payload)
        app.cases = []
        app.events = []  # (case, row values) in the order the services create them
        app.uploads = []
        app.verifications = []
        upload_rows: dict[str, list[int]] = {}
        for name, files in plan.files.items():
            for original, data in files:
                upload_rows.setdefault(name, []).append(
                    self.upload(app, actor, original, data, now)
                )
        offered = {c["code"]: c for c in form.commitments}
        materials_by_code: dict[str, list] = {}
        for row in form.materials:
            for code in row.needed_by:
                materials_by_code.setdefault(code, []).append(row)
        actor_name = str(actor)
        if assisted:
            actor_name = f"{actor}（{actor.unit_name}，帮代办）"
        who = f"{actor_name}代{applicant.name}" if assisted else actor_name
        for handling in plan.handling_items:
            case = self.new_case(app, handling, now, today)
            if plan.checks is not None and handling.code in plan.checks:
                check = plan.checks[handling.code]
            else:
                check = plan_check(plan, handling, answers)
            commitment = offered.get(handling.code) if handling.code in committed else None
            if check is not None:
                case.facts_checked = [check]
            if check is not None and check["result"] == "true":
                case.route = Case.Route.INSTANT
                case.state = State.CONCLUDED
                case.accepted_on = case.decided_on = today
                case.decision = Case.Decision.APPROVED
                case.concluded_at = now
            elif commitment is not None:
                case.route = Case.Route.COMMITMENT
                case.state = State.APPROVED
                case.accepted_on = case.decided_on = today
                case.decision = Case.Decision.APPROVED
            self.refresh_due(case, today)
            for row in materials_by_code.get(handling.code, []):
                status = provided.get(row.name, "missing")
                if status == "commitment" and handling.code not in committed:
                    status = "missing"
                uploads = upload_rows.get(row.name, []) if status == "uploaded" else [None]
                for upload in uploads:
                    case.materials.append([row.name, row.required, status, upload])
            self.event(case, actor, actor_name, "submit", "", State.SUBMITTED,
                       f"{who}提交了申请，{case.unit_name}已收件", now,
                       {"consent": plan.consent} if assisted else {})  # fmt: skip
            if case.route == Case.Route.INSTANT:
                self.event(case, None, "系统", "instant-approve", State.SUBMITTED,
                           State.CONCLUDED, "符合秒批条件，系统自动核验通过，已准予并办结", now,
                           {"check": check})  # fmt: skip
                self.issue(case, "approval", now, {"basis": "秒批规则：" + check["rule"]})
            elif case.route == Case.Route.COMMITMENT:
                due = clock.add_limit(
                    self.calendar, today, commitment["verify_days"], clock.WORKING_DAY
                ).due
                verification = {
                    "case": case, "commitment_text": commitment["text"],
                    "waived": commitment["waives"], "method": commitment["method"],
                    "due_on": due, "status": CommitmentVerification.Status.PENDING,
                    "finding": "", "verified_by": None, "verified_at": None,
                }  # fmt: skip
                app.verifications.append(verification)
                case.verification = verification
                message = (
                    f"申请人签署告知承诺书，当场准予；{due:%Y年%m月%d日}前完成"
                    f"{verification['method']}"
                )
                waived = {"waived": commitment["waives"]}
                self.event(case, actor, actor_name, "commitment-approve", State.SUBMITTED,
                           State.APPROVED, message, now, waived)  # fmt: skip
                self.issue(case, "approval", now, {"basis": "告知承诺制（国办发〔2020〕42号）"})
        self.after_change(app, actor, now)
        return app

    def new_case(self, app, handling: HandlingItem, now, today) -> SimCase:
        item = handling.item
        case = SimCase()
        case.pk = self.writer.next_id(Case)
        case.application = app
        case.number = f"WC{today.year}-{self.next_number(f'case:{today.year}'):07d}"
        case.handling_item = handling
        case.item = item
        case.item_version_id = item.current_version_id
        department_id, town_id = services._route(item)
        case.unit = self.units[(department_id, town_id)]
        case.department_id, case.town_id = department_id, town_id
        case.department, case.town = case.unit.department, case.unit.town
        case.unit_name = case.unit.name
        case.state = State.SUBMITTED
        case.route = Case.Route.NORMAL
        case.decision = ""
        case.version = 1
        case.submitted_at = now
        case.received_on = today
        case.accepted_on = case.decided_on = case.concluded_at = None
        case.deemed_accepted = False
        case.case_type = item.case_type
        case.statutory_days, case.statutory_unit = item.statutory_days, item.statutory_unit
        case.promised_days, case.promised_unit = item.promised_days, item.promised_unit
        case.extension_days = 0
        case.pauses = []
        case.due_on = None
        case.correction_items = []
        case.facts_checked = []
        case.updated_at = now
        case.materials = []
        case.verification = None
        case.refused_at = None
        case.notice_count = 0
        app.cases.append(case)
        return case

    def upload(self, app, owner, original: str, data: bytes, at) -> int:
        pk = self.writer.next_id(Upload)
        app.uploads.append({
            "id": pk, "owner_id": owner.pk, "application_id": app.pk,
            "original_name": original.rsplit("/", 1)[-1][:200] or "材料",
            "stored_name": f"sim/{pk}", "kind": "pdf", "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "uploaded_at": at,
        })  # fmt: skip
        return pk

    def event(self, case, actor, actor_name, action, from_state, to_state, message, at, data):
        authenticated = actor is not None and actor.is_authenticated
        case.application.events.append((case, {
            "at": at, "actor_id": actor.pk if authenticated else None,
            "actor_name": actor_name, "action": action, "from_state": from_state,
            "to_state": to_state, "message": message[:500], "data": data or {},
        }, actor if authenticated else None))  # fmt: skip

    def issue(self, case, kind: str, at, extra: dict) -> None:
        """services._issue: the notice's context, numbered later in the order of issue."""
        if self.notices.lean:
            case.notice_count += 1
            return
        app = case.application
        item = case.item
        today = self.localdate(at)
        context = {
            "unit": case.department.full_name if case.department_id
            else f"望城区{case.town.name}",
            "applicant": app.applicant_name,
            "applicant_code": app.applicant_code,
            "application_number": app.number,
            "case_number": case.number,
            "item": item.name,
            "item_kind": item.kind.code,
            "handling_item": case.handling_item.name,
            "received_on": case.received_on.isoformat(),
            "accepted_on": case.accepted_on.isoformat() if case.accepted_on else "",
            "decided_on": case.decided_on.isoformat() if case.decided_on else "",
            "issued_on": today.isoformat(),
            "legal_basis": item.legal_basis,
            "statutory_days": case.statutory_days,
            "promised_days": case.promised_days,
            "phone": item.phone,
            **extra,
        }  # fmt: skip
        if "statutory_due" not in context and case.state not in (
            State.SUBMITTED, State.CORRECTION
        ):  # fmt: skip
            found = self.deadlines(case, today)
            context["statutory_due"] = (
                found.statutory_due.isoformat() if found.statutory_due else ""
            )
            context["promised_due"] = found.promised_due.isoformat() if found.promised_due else ""
        self.notices.add(case, kind, at, context, today.year)

    def after_change(self, app, actor, now) -> None:
        states = {c.state for c in app.cases}
        if (
            app.delivery_method == Application.Delivery.ELECTRONIC
            and not states & UNDECIDED
            and states & {State.APPROVED, State.DENIED}
        ):
            self.deliver_all(app, None, "系统", now, {"method": "electronic"})
            states = {c.state for c in app.cases}
        if states <= set(TERMINAL) and app.status == Application.Status.OPEN:
            app.status = (
                Application.Status.WITHDRAWN
                if states == {State.WITHDRAWN}
                else Application.Status.CONCLUDED
            )
            app.concluded_at = now

    def deliver_all(self, app, actor, actor_name, now, data) -> None:
        method = data["method"]
        label = services.DELIVERY_LABELS[method]
        detail = f"，快递单号 {data['tracking']}" if data.get("tracking") else ""
        for case in app.cases:
            if case.state not in (State.APPROVED, State.DENIED):
                continue
            before = case.state
            case.state, case.concluded_at, case.due_on = State.CONCLUDED, now, None
            case.version += 1
            case.updated_at = now
            self.event(case, actor, actor_name, "deliver", before, State.CONCLUDED,
                       f"审批结果已{label}{detail}，办件办结", now, data)  # fmt: skip
        app.delivery_method = method
        app.delivery_tracking = data.get("tracking", "")[:40]
        if data.get("address"):
            app.delivery_address = data["address"][:200]
        app.delivered_at = now

    # Acting (services.perform and _perform_locked).

    def perform(self, app, step: Step) -> None:
        case = app.cases[step.case]
        now = step.at
        today = self.localdate(now)
        actor = step.actor
        if step.action == "verify":
            return self.verify(case, actor, step.data["finding"], now)
        transition = TRANSITIONS[step.action]
        system = actor is None
        if (
            not system
            and case.state == State.SUBMITTED
            and today > clock.correction_deadline(self.calendar, case.received_on)
        ):
            self.perform(app, Step(now, step.case, "deem-accept", None))
        if case.state not in transition.sources:
            raise ServiceError(f"模拟计划有误：{case.number} 为 {case.state}，不能 {step.action}")
        clean = services._check_inputs(transition, case, step.data)
        action = step.action
        before = case.state
        actor_name = "系统" if system else f"{actor}（{actor.unit_name or '申请人'}）"
        if transition.target is not None and action != "deliver":
            case.state = transition.target
        if action == "accept":
            message, notice_extra = self.accept(case, today, now)
        elif action == "resubmit":
            message, notice_extra = self.resubmit(case, actor, step.files, today, now)
        else:
            message, notice_extra = services._HANDLERS[action](case, clean, today, now, actor)
        if action == "refuse":
            case.refused_at = now
        self.refresh_due(case, today)
        if action == "deliver":
            self.deliver_all(app, actor, actor_name, now, clean)
        else:
            case.version += 1
            case.updated_at = now
            data = {k: v for k, v in clean.items() if k not in ("uploads", "earlier")}
            self.event(case, actor, actor_name, action, before, case.state, message, now, data)
        if transition.notice and notice_extra is not None:
            self.issue(case, transition.notice, now, notice_extra)
        self.after_change(app, actor, now)
        self.stats[action] += 1
        return None

    def accept(self, case, today, now):
        """services._accept, with the notices of an on-the-spot case issued here."""
        case.accepted_on = today
        if case.case_type == ServiceItem.CaseType.IMMEDIATE:
            case.decided_on = today
            case.decision = Case.Decision.APPROVED
            case.state = State.APPROVED
            self.issue(case, "acceptance", now, {})
            self.issue(case, "approval", now, {"basis": "即办件当场办结"})
            return "即办件，当场受理并准予", None
        return "申请材料齐全、符合法定形式，已受理", {}

    def resubmit(self, case, actor, files: dict, today, now):
        """services._resubmit with _check_resubmission's files: each material asked for gets
        its new file, on every undecided case of the application that needs it."""
        app = case.application
        asked = [p["item"] for p in case.correction_items]
        needed = {m[0] for m in case.materials}
        replaced = []
        rows = []
        for name in asked:
            if name in needed and files.get(name):
                for original, data in files[name]:
                    rows.append((name, self.upload(app, actor, original, data, now)))
        for name, upload in rows:
            for sibling in app.cases:
                if sibling.state not in UNDECIDED:
                    continue
                for material in sibling.materials:
                    if material[0] == name:
                        material[2], material[3] = CaseMaterial.Status.UPLOADED, upload
            if name not in replaced:
                replaced.append(name)
        case.received_on = today
        case.correction_items = []
        done = "、".join(replaced) if replaced else "补正内容"
        return f"申请人已提交补正材料（{done}），重新进入预审", {}

    def verify(self, case, actor, finding: str, now) -> None:
        """services.verify_commitment, a truthful commitment."""
        verification = case.verification
        verification.update(
            status=CommitmentVerification.Status.CONFIRMED, finding=finding[:500],
            verified_by=actor, verified_at=now,
        )  # fmt: skip
        self.event(case, actor, f"{actor}（{actor.unit_name}）", "verify", case.state,
                   case.state, f"告知承诺核查属实：{finding}", now, None)  # fmt: skip

    # Everything of one application.

    def run(self, plan: ApplicationPlan) -> SimApplication:
        app = self.submit(plan)
        for step in plan.steps:
            self.perform(app, step)
        self.stats["applications"] += 1
        self.stats["cases"] += len(app.cases)
        return app

    def write(self, app: SimApplication, *, lean: bool = False) -> None:
        """Queue the application's rows; `lean` leaves out timeline, notices, materials and
        uploads (for scale benchmarks of the indicators, which do not read them)."""
        writer = self.writer
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


def plan_check(plan: ApplicationPlan, handling: HandlingItem, answers: dict) -> dict | None:
    """services.instant_check at the moment of submission (its `checked_at`)."""
    if not handling.approval_rule:
        return None
    check = services.instant_check(handling, plan.applicant, answers)
    return {**check, "checked_at": plan.submitted_at.isoformat()}


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
            cursor.execute(f"DROP TABLE {self.TABLE}")
            cursor.execute("DROP TABLE sim_series")
        return values


# --- Planning: what happens in the year ------------------------------------------------------


class Planner:
    """Draws the year's applications and what happens to each case, in submission order."""

    def __init__(self, world: World, executor: Executor, rng: random.Random, *, seed: int,
                 cutoff: dt.datetime):  # fmt: skip
        self.world = world
        self.executor = executor
        self.rng = rng
        self.seed = seed
        self.cutoff = cutoff
        self.clock = world.clock
        self.rates = world.rates
        self.count = 0
        rates, promised = world.rates, world.promised_share
        # Conditional probabilities that give the overall shares asked for.
        self.p_deemed = rates.deemed
        self.p_refuse_direct = rates.refusal * 0.4
        self.p_withdraw_early = rates.withdrawal * 0.3
        self.p_correction = rates.correction
        self.p_refuse_after = min(0.5, rates.refusal * 0.6 / max(rates.correction, 1e-9))
        self.p_withdraw_after = min(0.5, rates.withdrawal * 0.3 / max(rates.correction, 1e-9))
        self.p_withdraw_review = min(0.5, rates.withdrawal * 0.4 / promised)
        self.p_deny = min(0.5, rates.denial / promised)
        self.p_over_statutory = min(0.5, rates.overdue_statutory / promised)
        self.p_over_promised = min(0.5, rates.overdue_promised / promised)

    # Days.

    def days(self, year: int, cases: int, last: dt.date) -> list[tuple[dt.date, int]]:
        """The working days of `year` up to `last` with their share of `cases`: seasons,
        weekdays, the weeks around the Spring Festival."""
        festival = self._spring_festival(year)
        weights = []
        for day in self.clock.working:
            if day.year != year or day > last:
                continue
            weight = MONTH_WEIGHTS[day.month - 1] * WEEKDAY_WEIGHTS[day.weekday()]
            if festival is not None:
                gap = (day - festival).days
                if -10 <= gap < 0:
                    weight *= 0.6  # before the holiday: people travel home
                elif 0 <= gap <= 21:
                    weight *= 0.8  # the first working days after it
            weights.append((day, weight * math.exp(self.rng.gauss(0, 0.08))))
        if not weights:
            raise ServiceError(
                f"{year}年截至{last:%Y年%m月%d日}没有工作日，无法模拟", code="no_working_days"
            )
        total = sum(w for _, w in weights)
        shares = [(day, cases * w / total) for day, w in weights]
        counts = [(day, int(share)) for day, share in shares]
        left = cases - sum(n for _, n in counts)
        order = sorted(range(len(shares)), key=lambda i: (int(shares[i][1]) - shares[i][1], i))
        for i in order[:left]:
            counts[i] = (counts[i][0], counts[i][1] + 1)
        return [(day, n) for day, n in counts if n]

    def _spring_festival(self, year: int) -> dt.date | None:
        from onething.core.models import WorkCalendarDay

        return (
            WorkCalendarDay.objects.filter(date__year=year, name__contains=SPRING_FESTIVAL)
            .order_by("date")
            .values_list("date", flat=True)
            .first()
        )

    def applications(self, year: int, cases: int, last: dt.date) -> Iterator[ApplicationPlan]:
        for day, quota in self.days(year, cases, last):
            plans = []
            while quota > 0:
                plan = self.application(day, quota)
                quota -= len(plan.handling_items)
                plans.append(plan)
            plans.sort(key=lambda p: p.submitted_at)
            for plan in plans:
                self.count += 1
                plan.key = f"{KEY_PREFIX}{self.seed}:{self.count}"
                yield plan

    # One application.

    def application(self, day: dt.date, room: int) -> ApplicationPlan:
        rng, world = self.rng, self.world
        bundle = None
        if room >= 2 and rng.random() < self.rates.bundle:
            audience = "person" if rng.random() < 0.7 else "enterprise"
            options = [b for b in world.bundles.get(audience, []) if len(b[2]) <= room]
            if options:
                bundle, guidance, needs = options[rng.randrange(len(options))]
        if bundle is not None:
            handling = [world.handling_by_code[code] for code in needs]
            kind = bundle.audience
            depth = min(h.item.online_depth for h in handling)
            unit = world.bureau
        else:
            choice = world.draw_item(rng)
            weights = HANDLING_ITEM_WEIGHTS[: len(choice.handling)]
            index = rng.choices(range(len(weights)), weights)[0] if len(weights) > 1 else 0
            handling = [choice.handling[index]]
            item = choice.item
            kind = "person" if item.for_person else "enterprise"
            if item.for_person and item.for_enterprise and rng.random() < 0.3:
                kind = "enterprise"
            depth = item.online_depth
            unit = choice.unit
            guidance, needs = {}, None
        enterprise = world.draw_enterprise(rng) if kind == "enterprise" else None
        if kind == "enterprise" and enterprise is None:
            kind = "person"
        assisted = False
        if kind == "person":
            person = world.draw_person(rng, handling[0].item)
            online = self.rates.online_by_depth[max(1, min(depth, 4)) - 1]
            assisted = rng.random() >= (0.5 if bundle is not None else online)
        submitted_at = self._submitted_at(day, assisted)
        joined = submitted_at - dt.timedelta(minutes=10)
        if kind == "enterprise":
            actor = world.enterprise_account(enterprise, joined)
            rep = world.person_by_id_number[enterprise.legal_rep_id_number]
            applicant = services.Applicant(
                "enterprise", enterprise.credit_code, enterprise.name, actor.phone, actor, rep,
                enterprise,
            )  # fmt: skip
        elif assisted:
            actor = unit.clerks[rng.randrange(len(unit.clerks))]
            account = world.person_accounts.get(person.id_number)
            has_account = rng.random() < self.rates.accounts  # drawn always: same stream
            if account is None and has_account:
                account = world.person_account(person, joined - dt.timedelta(days=30))
            applicant = services.Applicant(
                "person", person.id_number, person.name, person.phone, account, person, None
            )
        else:
            actor = world.person_account(person, joined)
            applicant = services.Applicant(
                "person", person.id_number, person.name, actor.phone, actor, person, None
            )
        plan = ApplicationPlan(
            key="", actor=actor, applicant=applicant, handling_items=handling,
            submitted_at=submitted_at, answers={}, files={}, bundle=bundle,
            guidance_answers=dict(guidance), needs=needs,
            consent=CONSENT if assisted else "",
        )  # fmt: skip
        self.generated = getattr(self, "generated", 0) + 1
        content_key = f"{self.seed}-{day:%Y%m%d}-{self.generated}"
        form = self.executor.form_for(plan)
        plan.answers = answers_for(form, rng, submitted_at, world.persons)
        offered = [c["code"] for c in form.commitments]
        if offered and not self._barred(applicant) and rng.random() < self.rates.commitment:
            plan.commitments = offered
        names = files_for(form, plan.commitments, rng)
        plan.files = material_files(content_key, names)
        plan.content_key = content_key
        method = rng.choices(Application.Delivery.values, self.rates.delivery)[0]
        plan.delivery_method = method
        if method == Application.Delivery.EXPRESS:
            plan.delivery_address = self._address(applicant)
        if any(h.approval_rule for h in handling):
            parsed = self._parsed(form, plan)
            orm = self._orm_plan(plan)
            plan.checks = {h.code: plan_check(orm, h, parsed) for h in handling if h.approval_rule}
        else:
            plan.checks = {}
        self._steps(plan, form, assisted)
        return plan

    def _submitted_at(self, day: dt.date, assisted: bool) -> dt.datetime:
        rng = self.rng
        if assisted or rng.random() < 0.7:
            return self.clock.office_time(rng, day)
        return self.clock.at(day, rng.uniform(420, 1380))  # online: 7:00–23:00

    def _barred(self, applicant) -> bool:
        if applicant.code in self.world.barred:
            return True
        enterprise = applicant.enterprise
        return enterprise is not None and enterprise.tax_credit_rating == "D"

    def _address(self, applicant) -> str:
        if applicant.person is not None and applicant.kind == "person":
            community = applicant.person.household_community
            number = self.rng.randint(1, 300)
            return f"长沙市望城区{community.parent.name}{community.name}{number}号"
        town = self.world.units.get((None, applicant.enterprise.town_id))
        road = self.rng.choice(("雷锋大道", "金星北路", "旺旺路", "郭亮北路", "普瑞大道"))
        return f"长沙市望城区{town.name if town else ''}{road}{self.rng.randint(1, 999)}号"

    def _parsed(self, form, plan) -> dict:
        answers, _ = applying.parse_answers(form, plan.answers)
        return answers

    def _orm_plan(self, plan: ApplicationPlan) -> ApplicationPlan:
        """The plan with the applicant's registry records as model instances, which the
        instant-approval facts are read from."""
        from onething.registries.models import Enterprise as EnterpriseRow
        from onething.registries.models import Person as PersonRow

        applicant = plan.applicant
        # The instance the services would read (a living person of the synthetic registry),
        # built from what is loaded already: a query costs ~2 ms, most of it Django's.
        p = applicant.person
        person = PersonRow(
            id=p.pk, id_number=p.id_number, name=p.name, sex=p.sex, birth_date=p.birth_date,
            household_community=self.world.community_rows[p.household_community.pk],
            phone=p.phone, marital_status=p.marital_status, death_date=None, is_synthetic=True,
        )  # fmt: skip
        enterprise = None
        if applicant.enterprise is not None:
            enterprise = EnterpriseRow.objects.filter(credit_code=applicant.enterprise.credit_code)[
                :1
            ][0]
        orm = services.Applicant(
            applicant.kind, applicant.code, applicant.name, applicant.phone, applicant.user,
            person, enterprise,
        )  # fmt: skip
        return ApplicationPlan(
            key="", actor=plan.actor, applicant=orm, handling_items=plan.handling_items,
            submitted_at=plan.submitted_at, answers=plan.answers, files={},
        )  # fmt: skip

    # What happens to each case.

    def _steps(self, plan: ApplicationPlan, form, assisted: bool) -> None:
        steps: list[Step] = []
        decided: list[dt.datetime | None] = []
        outcomes: list[str] = []
        committed = set(plan.commitments)
        for index, handling in enumerate(plan.handling_items):
            check = plan.checks.get(handling.code)
            if check is not None and check["result"] == "true":
                decided.append(plan.submitted_at)
                outcomes.append("instant")
                continue
            if handling.code in committed:
                decided.append(plan.submitted_at)
                outcomes.append("approve")
                steps += self._verification(plan, index, handling)
                continue
            uploaded = [
                row.name
                for row in form.materials
                if handling.code in row.needed_by and row.name in plan.files
            ]
            case_steps, at, outcome = self._case(plan, index, handling, assisted, uploaded)
            steps += case_steps
            decided.append(at)
            outcomes.append(outcome)
        steps += self._delivery(plan, assisted, decided, outcomes)
        order = {id(step): n for n, step in enumerate(steps)}
        plan.steps = sorted(
            (s for s in steps if s.at < self.cutoff), key=lambda s: (s.at, order[id(s)])
        )

    def _unit(self, handling: HandlingItem) -> Unit:
        return self.world.unit_for(handling.item)

    def _pre_review_at(self, at: dt.datetime, assisted: bool) -> dt.datetime:
        rng, clock_ = self.rng, self.clock
        if assisted:
            return at + dt.timedelta(minutes=rng.randint(3, 40))
        day = clock_.day(at)
        u = rng.random()
        if u < 0.6 and clock_.calendar.is_working_day(day) and clock_.local(at).hour < 16:
            return clock_.office_time(rng, day, after=at)
        if u < 1 - self.rates.late_pre_review:
            return clock_.office_time(rng, clock_.add(day, 1), after=at)
        return clock_.office_time(rng, clock_.add(day, rng.randint(2, 4)), after=at)

    def _later(self, at: dt.datetime, days: int) -> dt.datetime:
        return self.clock.office_time(self.rng, self.clock.add(self.clock.day(at), days), after=at)

    def _case(self, plan, index, handling, assisted, uploaded):
        """One case's actions: pre-review (accept, correction, refusal, withdrawal, deemed
        acceptance), then review and decision. Returns (steps, when it was decided, outcome)."""
        rng = self.rng
        unit = self._unit(handling)
        clerk = unit.clerks[rng.randrange(len(unit.clerks))]
        applicant = plan.actor
        steps: list[Step] = []
        received = plan.submitted_at
        at = self._pre_review_at(received, assisted)
        u = rng.random()
        if u < self.p_deemed:
            deadline = self.clock.add(self.clock.day(received), clock.CORRECTION_NOTICE_DAYS)
            at = self.clock.at(deadline + dt.timedelta(days=1), rng.uniform(390, 420))
            steps.append(Step(at, index, "deem-accept", None))
            return self._decision(plan, index, handling, steps, at, unit)
        u -= self.p_deemed
        if u < self.p_refuse_direct:
            steps.append(Step(at, index, "refuse", clerk, self._refusal(0)))
            return steps, at, "refuse"
        u -= self.p_refuse_direct
        if u < self.p_withdraw_early:
            steps.append(Step(at, index, "withdraw", applicant))
            return steps, at, "withdraw"
        u -= self.p_withdraw_early
        if u < self.p_correction:
            asked = rng.sample(uploaded, min(len(uploaded), rng.choice((1, 1, 2)))) or ["申请表"]
            problems = [
                {"item": name, "problem": rng.choice(CORRECTION_PROBLEMS)} for name in asked
            ]
            steps.append(Step(at, index, "request-correction", clerk, {"problems": problems}))
            v = rng.random()
            if v < self.p_refuse_after:
                at = self._later(at, rng.randint(6, 15))
                steps.append(Step(at, index, "refuse", clerk, self._refusal(1)))
                return steps, at, "refuse"
            if v < self.p_refuse_after + self.p_withdraw_after:
                at = self._later(at, rng.randint(1, 5))
                steps.append(Step(at, index, "withdraw", applicant))
                return steps, at, "withdraw"
            at = self._later(at, rng.choice((0, 1, 1, 2, 2, 3, 4, 5, 7, 10)))
            files = material_files(
                f"{plan.content_key}-{index}-r", [n for n in asked if n in uploaded]
            )
            steps.append(Step(at, index, "resubmit", applicant, files=files))
            at = self._pre_review_at(at, assisted)
        steps.append(Step(at, index, "accept", clerk))
        if handling.item.case_type == ServiceItem.CaseType.IMMEDIATE:
            return steps, at, "approve"
        return self._decision(plan, index, handling, steps, at, unit)

    def _refusal(self, which: int) -> dict:
        return {"reasons": REFUSAL_REASONS[which if which else self.rng.choice((0, 2))]}

    def _decision(self, plan, index, handling, steps, at, unit):
        """A promised case after acceptance: review, special procedure, extension, decision."""
        rng, clock_ = self.rng, self.clock
        item = handling.item
        decider = unit.reviewer
        accepted = at
        if rng.random() < self.p_withdraw_review:
            at = self._later(at, rng.randint(1, max(1, item.promised_days // 2)))
            steps.append(Step(at, index, "withdraw", plan.actor))
            return steps, at, "withdraw"
        if rng.random() < 0.75:
            at = self._later(at, rng.choice((0, 0, 1)))
            steps.append(Step(at, index, "review", decider))
        pauses = ()
        choice_procedure = _procedure_of(item)
        if choice_procedure is not None and rng.random() < self.rates.special_procedure:
            key, name, days = choice_procedure
            at = self._later(at, rng.choice((0, 1, 2)))
            data = {"procedure": key, "reason": name, "expected_days": days}
            steps.append(Step(at, index, "suspend", decider, data))
            start = clock_.day(at)
            end = start + dt.timedelta(days=max(1, round(days * rng.uniform(0.4, 1.1))))
            while not clock_.calendar.is_working_day(end):
                end += dt.timedelta(days=1)
            at = clock_.office_time(rng, end, after=at)
            steps.append(Step(at, index, "resume", decider))
            pauses = (clock.Pause(key, start, clock_.day(at)),)
        accepted_on = clock_.day(accepted) if steps[0].action != "deem-accept" else None
        received_on = self._received_on(plan, steps)
        dues = self._dues(item, received_on, accepted_on or received_on, pauses, 0)
        if rng.random() < self.rates.extension and clock_.day(at) < dues.statutory_due:
            span = clock_.between(clock_.day(at), dues.statutory_due)
            at = self._later(at, rng.randint(0, max(0, span - 1)))
            steps.append(Step(at, index, "extend", decider,
                              {"reason": rng.choice(EXTENSION_REASONS)}))  # fmt: skip
            dues = self._dues(item, received_on, accepted_on or received_on, pauses, 10)
        promised, statutory = dues.promised_due, dues.statutory_due
        today = clock_.day(at)
        o = rng.random()
        if o < self.p_over_statutory:
            day = clock_.add(statutory, rng.randint(1, 8))
        elif o < self.p_over_statutory + self.p_over_promised:
            span = clock_.between(promised, statutory)
            day = clock_.add(promised, rng.randint(1, span) if span > 0 else rng.randint(1, 3))
        else:
            span = clock_.between(today, promised)
            day = clock_.add(today, int(span * rng.betavariate(1.4, 2.6)))
        at = clock_.office_time(rng, max(day, today), after=at)
        if rng.random() < self.p_deny:
            steps.append(Step(at, index, "deny", decider,
                              {"reasons": rng.choice(DENIAL_REASONS)}))  # fmt: skip
            return steps, at, "deny"
        steps.append(Step(at, index, "approve", decider))
        return steps, at, "approve"

    def _received_on(self, plan, steps) -> dt.date:
        received = plan.submitted_at
        for step in steps:
            if step.action == "resubmit":
                received = step.at
        return self.clock.day(received)

    def _dues(self, item, received_on, accepted_on, pauses, extension) -> clock.Deadlines:
        return clock.deadlines(
            clock.Clock(
                "under_review", received_on, accepted_on, None, item.statutory_days,
                item.statutory_unit, item.promised_days, item.promised_unit, extension, pauses,
            ),
            self.clock.calendar, today=accepted_on, pre_review_days=self.world.pre_review_days,
        )  # fmt: skip

    def _verification(self, plan, index, handling) -> list[Step]:
        commitment = handling.commitment or {}
        days = int(commitment.get("verify_days", 30))
        day = self.clock.add(self.clock.day(plan.submitted_at), self.rng.randint(days // 2, days))
        at = self.clock.office_time(self.rng, day)
        finding = f"经{commitment.get('method', '书面核查')}，实际情况与承诺一致"
        return [Step(at, index, "verify", self._unit(handling).reviewer, {"finding": finding})]

    def _delivery(self, plan, assisted, decided, outcomes) -> list[Step]:
        """Pick-up or post: one delivery once every case is decided (一件事一次送达)."""
        method = plan.delivery_method
        if method == Application.Delivery.ELECTRONIC:
            return []
        if any(at is None or at >= self.cutoff for at in decided):
            return []
        deliverable = [i for i, o in enumerate(outcomes) if o in ("approve", "deny")]
        if not deliverable:
            return []
        rng = self.rng
        last = max(decided)
        index = deliverable[0]
        clerk = self._unit(plan.handling_items[index]).clerks[0]
        if method == Application.Delivery.EXPRESS:
            at = self._later(last, rng.choice((0, 1, 1, 2)))
            tracking = f"SF{rng.randrange(10**12):012d}"
            return [Step(at, index, "deliver", clerk, {"method": method, "tracking": tracking})]
        immediate = all(h.item.case_type == ServiceItem.CaseType.IMMEDIATE
                        for h in plan.handling_items)  # fmt: skip
        if assisted and immediate and rng.random() < 0.85:
            at = last + dt.timedelta(minutes=rng.randint(2, 30))
        elif rng.random() < 0.03:
            at = self._later(last, rng.randint(6, 20))
        else:
            at = self._later(last, rng.choice((0, 1, 1, 2, 2, 3, 4, 5)))
        return [Step(at, index, "deliver", clerk, {"method": method})]


# --- Ratings and the hotline (onething.evaluation.services) ----------------------------------

NEGATIVE_TEXTS = {
    "attitude": "窗口工作人员态度生硬，解释不耐心",
    "efficiency": "等了很久才办好，效率太低",
    "repeated": "材料提交了好几次，来回跑",
    "guide": "办事指南写得不清楚，不知道要带什么",
    "online": "网上申报页面经常卡，提交不了",
    "fees": "收费标准没有公示清楚",
    "overdue": "超过承诺时间还没有办结",
    "other": "对办理结果不满意",
}
TICKET_TEXTS = {
    "consultation": "咨询办理“{item}”需要准备哪些材料、在哪里办理",
    "help": "求助：办理“{item}”时系统提示信息不一致，无法提交",
    "complaint": "投诉{unit}办理“{item}”时间过长，多次催问无答复",
    "suggestion": "建议{unit}在周末增加“{item}”的预约办理时段",
}
TICKET_CATEGORIES = (("consultation", 0.45), ("help", 0.25), ("complaint", 0.2),
                     ("suggestion", 0.1))  # fmt: skip
TICKET_CHANNELS = (("phone", 0.7), ("wechat", 0.15), ("web", 0.1), ("app", 0.05))
LEVEL_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
REPLY_SETTINGS = {
    "consultation": "hotline.reply_consultation_days",
    "help": "hotline.reply_help_days",
    "complaint": "hotline.reply_complaint_days",
    "suggestion": "hotline.reply_suggestion_days",
}


class Evaluation:
    """Ratings of the simulated cases (online once per case, on site at the window), the
    handling of negative ones, rating links, and the year's 12345 tickets."""

    def __init__(self, world: World, executor: Executor, rng: random.Random, *,
                 cutoff: dt.datetime, lean: bool = False):  # fmt: skip
        from onething.evaluation import models as evaluation

        self.m = evaluation
        self.world = world
        self.executor = executor
        self.writer = executor.writer
        self.rng = rng
        self.cutoff = cutoff
        self.clock = world.clock
        self.rates = world.rates
        self.lean = lean
        self.hall_serial: Counter = Counter()
        self.stats: Counter = Counter()
        from onething.core.district_settings import SPECS
        from onething.evaluation.services.common import SettingsAt

        keys = [key for key in SPECS if key.startswith(("ratings.", "hotline."))]
        self.settings = SettingsAt(keys)

    def setting(self, key: str, at: dt.datetime) -> int:
        """A district setting as it stood at `at` (the services read it then)."""
        return int(self.settings.get(key, at))

    # Case ratings.

    def rate(self, app: SimApplication) -> None:
        """A window visit may be rated on the hall's tablet; each concluded or refused case of
        an applicant with an account online (web, app, or the link of a rating SMS)."""
        rng = self.rng
        if app.channel == Application.Channel.ASSISTED and rng.random() < self.rates.hall_rated:
            self.rate_hall(app)
        if app.applicant_user is None:
            return
        for case in app.cases:
            if case.state == State.CONCLUDED:
                ended = case.concluded_at
            elif case.state == State.REFUSED:
                ended = case.refused_at
            else:
                continue
            if rng.random() >= self.rates.rated:
                continue
            channel = rng.choices(("web", "app", "sms"), (0.35, 0.35, 0.3))[0]
            at = ended + dt.timedelta(minutes=rng.randint(5, 4320))
            if channel == "sms":
                sent = self._staff_moment(ended)
                at = max(at, sent + dt.timedelta(minutes=rng.randint(3, 2880)))
            if at >= self.cutoff:
                continue
            if channel == "sms":
                self._link(case, sent, at)
            self.rate_case(app, case, channel, at)

    def _staff_moment(self, after: dt.datetime) -> dt.datetime:
        day = self.clock.day(after)
        if not self.clock.calendar.is_working_day(day) or self.clock.local(after).hour >= 17:
            day = self.clock.add(day, 1)
        return self.clock.office_time(self.rng, day, after=after)

    def _link(self, case, sent: dt.datetime, used: dt.datetime) -> None:
        nonce = f"{self.rng.getrandbits(128):032x}"
        self.writer.add(
            self.m.RatingLink, id=self.writer.next_id(self.m.RatingLink), case_id=case.pk,
            nonce_hash=hashlib.sha256(nonce.encode()).hexdigest(),
            expires_at=sent + dt.timedelta(days=30), used_at=used, created_at=sent,
        )  # fmt: skip

    def _level(self, troubled: bool) -> tuple[int, list[str], str]:
        rng = self.rng
        negative = self.rates.negative * (6 if troubled else 1)
        u = rng.random()
        if u < negative:
            level = 2 if rng.random() < 0.7 else 1
            reason = rng.choice(("overdue", "efficiency") if troubled else tuple(REASONS_ORDER))
            return level, [reason], NEGATIVE_TEXTS[reason]
        level = rng.choices((5, 4, 3), (0.86, 0.11, 0.03))[0]
        return level, [], ""

    def rate_case(self, app, case, channel: str, at: dt.datetime) -> None:
        """evaluation.services.rate_case."""
        anonymous = self.rng.random() < self.rates.anonymous
        troubled = (
            case.state == State.REFUSED
            or case.decision == Case.Decision.DENIED
            or (self._late(case))
        )
        level, reasons, text = self._level(troubled)
        actor = app.applicant_user if channel != "sms" else None
        if actor is not None:
            name = actor.display_name or app.applicant_name
            phone = actor.phone or app.applicant_phone
        else:
            name, phone = app.applicant_name, app.applicant_phone
        clerk = self._handling_clerk(app, case)
        self._rating(
            subject="case", case_id=case.pk, item_id=case.item.pk,
            item_version_id=case.item_version_id, clerk_id=clerk.pk if clerk else None,
            channel=channel, level=level, reasons=reasons, text=text,
            rater_user_id=app.applicant_user.pk if app.applicant_user else None,
            rater_name="" if anonymous else name[:40],
            rater_phone="" if anonymous else (phone or "")[:11],
            real_name=not anonymous and bool(name), created_at=at,
            **self._unit_fields(case.department, case.town),
        )  # fmt: skip

    def _late(self, case) -> bool:
        if case.decided_on is None or case.accepted_on is None:
            return False
        return case.decided_on > self.executor.deadlines(case, case.decided_on).promised_due

    def _handling_clerk(self, app, case):
        """ratings.handling_clerk: who accepted or refused, else the last staff on the case."""
        staff = [
            (values["at"], n, actor)
            for n, (c, values, actor) in enumerate(app.events)
            if c is case and actor is not None and actor.role in services._STAFF
        ]
        chosen = [e for e in staff if app.events[e[1]][1]["action"] in ("accept", "refuse")]
        found = max(chosen or staff, default=None, key=lambda e: (e[0], e[1]))
        return found[2] if found else None

    def _unit_fields(self, department, town) -> dict:
        if town is not None:
            code = town.code12
        elif department is not None and department.region_id:
            code = department.region.code12
        else:
            code = self.world.district.code12
        return {
            "department_id": department.pk if department else None,
            "town_id": town.pk if town else None,
            "region_code": code,
        }

    def rate_hall(self, app) -> None:
        """evaluation.services.rate_hall_service: the applicant rates the window service on
        the hall's tablet when leaving (after an on-the-spot case is done, or on submission)."""
        rng = self.rng
        clerk = app.submitted_by
        case = app.cases[0]
        done = [values["at"] for c, values, actor in app.events if actor is clerk]
        at = max(done, default=app.submitted_at) + dt.timedelta(minutes=rng.randint(1, 10))
        if at >= self.cutoff:
            return
        day = self.clock.day(at)
        unit_code = clerk.department.code if clerk.department else f"T{clerk.town.code}"
        self.hall_serial[(unit_code, day)] += 1
        ref = f"{unit_code}-{day:%Y%m%d}-{self.hall_serial[(unit_code, day)]:04d}"
        real_name = rng.random() < 0.5
        level, reasons, text = self._level(False)
        self._rating(
            subject="hall", case_id=case.pk, item_id=case.item.pk,
            item_version_id=case.item_version_id, service_ref=ref,
            window=f"{1 + clerk.pk % 12}号窗口", clerk_id=clerk.pk,
            channel=rng.choices(HALL_CHANNELS, (0.85, 0.15))[0], level=level, reasons=reasons,
            text=text, rater_name=app.applicant_name[:40] if real_name else "",
            rater_phone=app.applicant_phone if real_name else "", real_name=real_name and bool(
                app.applicant_phone), created_at=at,
            **self._unit_fields(clerk.department, clerk.town),
        )  # fmt: skip

    def _rating(self, **values) -> None:
        """ratings._create: the rating, and the handling of a negative one."""
        pk = self.writer.next_id(self.m.Rating)
        values.setdefault("service_ref", "")
        values.setdefault("window", "")
        values.setdefault("rater_user_id", None)
        status = self.m.Rating.Status.VALID
        handling = None
        self.stats[f"ratings.{values['subject']}"] += 1
        if values["level"] in (2, 1):
            self.stats["ratings.negative"] += 1
            handling, status = self._handle_negative(values)
        self.writer.add(self.m.Rating, id=pk, status=status, **values)
        if handling is not None:
            self.writer.add(self.m.NegativeHandling, id=self.writer.next_id(
                self.m.NegativeHandling), rating_id=pk, **handling)  # fmt: skip

    def _unit_staff(self, department_id, town_id) -> Unit:
        return self.world.units[(department_id, town_id)]

    def _handle_negative(self, rating: dict) -> tuple[dict, str]:
        """handling.perform through verify → rectify → follow-up → close, with a late tail and
        a few appeals; steps after the simulated day are not taken."""
        rng, clock_ = self.rng, self.clock
        S = self.m.NegativeHandling.State
        at = rating["created_at"]
        opened = clock_.day(at)
        unit = self._unit_staff(rating["department_id"], rating["town_id"])
        staff = unit.reviewer
        h = {
            "state": S.VERIFYING, "version": 1, "opened_on": opened,
            "verify_days": self.setting("ratings.verify_days", at),
            "rectify_days": self.setting("ratings.rectify_days", at),
        }  # fmt: skip
        status = self.m.Rating.Status.VALID

        def moment(days: int, after: dt.datetime) -> dt.datetime:
            return clock_.office_time(rng, max(clock_.add(opened, days), clock_.day(after)),
                                      after=after)  # fmt: skip

        if rng.random() < self.rates.appeal:
            t = moment(rng.choice((0, 1)), at)
            if t >= self.cutoff:
                return h, status
            h.update(appeal_reason="评价内容与实际办理情况不符，申请人系因不符合条件未获批准而恶意差评",
                     appealed_at=t, appealed_by_id=staff.pk, appeal_state_before=h["state"],
                     state=S.APPEALED, version=h["version"] + 1)  # fmt: skip
            t = self._later(t, rng.randint(1, 5))
            if t >= self.cutoff:
                return h, status
            upheld = rng.random() < 0.4
            h.update(appeal_upheld=upheld, appeal_decided_at=t,
                     appeal_decided_by_id=self.world.hotline[0].pk, version=h["version"] + 1,
                     appeal_decision="经核查，申诉理由成立，该差评作废" if upheld
                     else "经核查，申诉理由不成立，请继续整改",
                     state=S.VOIDED if upheld else h["appeal_state_before"])  # fmt: skip
            if upheld:
                h["closed_at"] = t
                return h, self.m.Rating.Status.VOIDED
            at = t
        late = rng.random() < self.rates.verify_late
        t = moment(rng.randint(2, 4) if late else rng.choice((0, 0, 1)), at)
        if t >= self.cutoff:
            return h, status
        upheld = rng.random() < 0.7
        h.update(upheld=upheld, verified_at=t, verified_by_id=staff.pk, state=S.RECTIFYING,
                 version=h["version"] + 1,
                 verification="经调阅办件记录和窗口录像核实，情况属实" if upheld
                 else "经调阅办件记录核实，办理过程符合规定")  # fmt: skip
        late = rng.random() < self.rates.rectify_late
        t = moment(rng.randint(11, 20) if late else rng.randint(1, 8), t)
        if t >= self.cutoff:
            return h, status
        outcome = "rectified" if upheld else "explained"
        h.update(outcome=outcome, rectified_at=t, state=S.FOLLOW_UP, version=h["version"] + 1,
                 rectification="已对相关人员批评教育并优化办理流程，向申请人致歉" if upheld
                 else "已向申请人解释相关规定和办理依据")  # fmt: skip
        if rating["real_name"]:
            t = self._later(t, rng.choice((0, 0, 1, 2)))
            if t >= self.cutoff:
                return h, status
            satisfied = rng.random() < 0.8
            h.update(follow_up="电话回访评价人，已告知处理结果", rater_satisfied=satisfied,
                     followed_up_at=t, version=h["version"] + 1)  # fmt: skip
        t = t + dt.timedelta(minutes=rng.randint(1, 30))
        if t >= self.cutoff:
            return h, status
        h.update(state=S.CLOSED, closed_at=t, version=h["version"] + 1)
        return h, status

    def _later(self, at: dt.datetime, days: int) -> dt.datetime:
        return self.clock.office_time(self.rng, self.clock.add(self.clock.day(at), days), after=at)

    # The hotline.

    def tickets(self, year: int, count: int, last: dt.date) -> None:
        """The year's 12345 tickets: every day (the hotline never closes), dispatched at intake,
        signed for, replied, visited (a rating of the unit), closed."""
        rng = self.rng
        days = []
        day = dt.date(year, 1, 1)
        while day <= last and day.year == year:
            working = self.clock.calendar.is_working_day(day)
            days.append((day, (1.0 if working else 0.55) * MONTH_WEIGHTS[day.month - 1]))
            day += dt.timedelta(days=1)
        if not days or not count:
            return
        cumulative = list(accumulate(w for _, w in days))
        moments = sorted(
            self.clock.at(days[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])][0],
                          rng.uniform(480, 1320))
            for _ in range(count)
        )  # fmt: skip
        callers = [p for p in self.world.persons if p.phone]
        units = [u for u in self.world.units.values() if u.department is None or u.clerks]
        for at in moments:
            if at < self.cutoff:
                self.ticket(at, callers[rng.randrange(len(callers))], units)

    def ticket(self, at: dt.datetime, caller: Person, units: list[Unit]) -> None:
        rng, clock_ = self.rng, self.clock
        T = self.m.Ticket.State
        writer = self.writer
        pk = writer.next_id(self.m.Ticket)
        year = clock_.day(at).year
        number = f"RX{year}-{self.executor.next_number(f'ticket:{year}'):07d}"
        category = rng.choices(*zip(*TICKET_CATEGORIES, strict=True))[0]
        channel = rng.choices(*zip(*TICKET_CHANNELS, strict=True))[0]
        town_unit = self.world.units.get((None, caller.town_id))
        unit = town_unit if town_unit and rng.random() < 0.4 else units[rng.randrange(len(units))]
        choice = self.world.draw_item(rng)
        text = TICKET_TEXTS[category].format(item=choice.item.name, unit=unit.name)
        operator = self.world.hotline[rng.randrange(len(self.world.hotline))]
        label = dict(self.m.Ticket.Category.choices)[category]
        t = {
            "number": number, "channel": channel, "caller_name": "" if rng.random() < 0.15
            else caller.name, "caller_phone": caller.phone, "category": category, "text": text,
            "state": T.RECEIVED, "version": 1, "department_id": None, "town_id": None,
            "received_at": at, "dispatched_at": None, "signed_at": None, "replied_at": None,
            "reply": "", "visited_at": None, "visit_result": "", "satisfaction": None,
            "closed_at": None, "reassignments": 0,
        }  # fmt: skip
        events = [(at, operator, "intake", f"登记{label}工单")]
        self.stats["tickets"] += 1

        def dispatch(now, to: Unit):
            t.update(state=T.DISPATCHED, department_id=to.department.pk if to.department else None,
                     town_id=to.town.pk if to.town else None, dispatched_at=now, signed_at=None,
                     version=t["version"] + 1)  # fmt: skip
            events.append((now, operator, "dispatch", f"派至{to.name}"))

        dispatch(at, unit)
        now = at
        sign_days = self.setting("hotline.sign_days", at)
        if rng.random() < self.rates.ticket_reassigned:
            now = self._later(now, rng.choice((0, 1)))
            if now < self.cutoff:
                staff = unit.clerks[0]
                t.update(state=T.RECEIVED, department_id=None, town_id=None, dispatched_at=None,
                         signed_at=None, reassignments=t["reassignments"] + 1,
                         version=t["version"] + 1)  # fmt: skip
                events.append(
                    (now, staff, "return", f"{unit.name}退回：该诉求不属于本单位职责范围")
                )
                unit = units[rng.randrange(len(units))]
                now = self._later(now, 0)
                if now < self.cutoff:
                    dispatch(now, unit)
        while t["state"] == T.DISPATCHED:
            late = rng.random() < self.rates.ticket_late
            now = self._later(now, rng.randint(sign_days + 1, sign_days + 3) if late
                              else rng.randint(0, sign_days))  # fmt: skip
            if now >= self.cutoff:
                break
            staff = unit.clerks[rng.randrange(len(unit.clerks))]
            t.update(state=T.SIGNED, signed_at=now, version=t["version"] + 1)
            events.append((now, staff, "sign", "承办单位已签收"))
            limit = self.setting(REPLY_SETTINGS[category], t["dispatched_at"])
            late = rng.random() < self.rates.ticket_late
            start = clock_.day(t["dispatched_at"])
            day = clock_.add(start, rng.randint(limit + 1, limit + 5) if late
                             else rng.randint(1, max(1, limit)))  # fmt: skip
            now = clock_.office_time(rng, max(day, clock_.day(now)), after=now)
            if now >= self.cutoff:
                break
            reply = (
                "已按规定办理并电话告知来电人"
                if category != "consultation"
                else (f"已电话告知来电人“{choice.item.name}”的办理条件、材料和地点")
            )
            t.update(state=T.REPLIED, replied_at=now, reply=reply, version=t["version"] + 1)
            events.append((now, staff, "reply", "承办单位已答复"))
            now = self._later(now, rng.randint(1, 3))
            if now >= self.cutoff:
                break
            level, reasons, _ = self._level(category == "complaint")
            result = "来电人对答复表示认可" if level >= 3 else "来电人对答复不满意"
            t.update(state=T.VISITED, visited_at=now, visit_result=result, satisfaction=level,
                     version=t["version"] + 1)  # fmt: skip
            events.append(
                (now, operator, "visit", f"回访：{result}，满意度：{LEVEL_LABELS[level]}")
            )
            self._rating(
                subject="ticket", ticket_id=pk, channel="hotline", level=level,
                reasons=reasons, text=result, rater_name=t["caller_name"][:40],
                rater_phone=t["caller_phone"][:11], real_name=bool(t["caller_phone"]),
                created_at=now, item_id=None, item_version_id=None, case_id=None,
                clerk_id=None, **self._unit_fields(unit.department, unit.town),
            )  # fmt: skip
            now = now + dt.timedelta(minutes=rng.randint(1, 30))
            if now >= self.cutoff:
                break
            t.update(state=T.CLOSED, closed_at=now, version=t["version"] + 1)
            events.append((now, operator, "close", "工单办结"))
        writer.add(self.m.Ticket, id=pk, **t)
        if self.lean:
            return
        for when, actor, action, message in events:
            writer.add(
                self.m.TicketEvent, id=writer.next_id(self.m.TicketEvent), ticket_id=pk,
                at=when, actor_id=actor.pk, actor_name=_actor_name(actor), action=action,
                message=message[:500],
            )  # fmt: skip


REASONS_ORDER = (
    "attitude",
    "efficiency",
    "repeated",
    "guide",
    "online",
    "fees",
    "overdue",
    "other",
)


def _actor_name(user) -> str:
    """evaluation.services.common.actor_name."""
    return f"{user}（{user.unit_name}）" if user.unit_name else str(user)


# --- Running a year --------------------------------------------------------------------------


def _models():
    from onething.evaluation import models as evaluation

    return [
        User, Application, Upload, Case, CaseMaterial, CaseEvent, Notice, CommitmentVerification,
        evaluation.Ticket, evaluation.TicketEvent, evaluation.Rating, evaluation.NegativeHandling,
        evaluation.RatingLink,
    ]  # fmt: skip


# Deleted children first; simulated accounts stay (other years may name them).
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
    cutoff = dt.datetime(today.year, today.month, today.day, tzinfo=zone).astimezone(UTC)
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
            evaluation = Evaluation(world, executor, rng, cutoff=cutoff, lean=lean)
            say(f"参照数据已载入（{time.perf_counter() - started:.1f} 秒），开始模拟")
            done = 0
            for plan in planner.applications(year, cases, last):
                app = executor.run(plan)
                evaluation.rate(app)
                executor.write(app, lean=lean)
                done += len(app.cases)
                if done % 50_000 < len(app.cases):
                    say(f"  {done:,} 件（{time.perf_counter() - started:.0f} 秒）")
            if tickets:
                count = round(cases * rates.tickets_per_thousand / 1000)
                evaluation.tickets(year, count, last)
            _finish(writer, notices, executor, starts)
            say(f"写入完成，重建索引（{time.perf_counter() - started:.0f} 秒）")
        rows = {table: end - start + 1 for table, (start, end) in writer.id_ranges().items()}
        stats = dict(sorted((executor.stats + evaluation.stats).items()))
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
    ratings); returns the applications as executed. Lets a test put the same plans through
    the services and through this path and compare the rows."""
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
        for plan in plans:
            application = executor.run(plan)
            executor.write(application, lean=lean)
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
        ", ".join(quote(m._meta.db_table) for m in _models())
        + ", "
        + quote(Sequence._meta.db_table)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")
