"""What a simulation draws from: the work calendar in local time (`Clock`), the district's units
with their simulated staff, the published items by tier and popularity, the registries'
residents and enterprises, the bundles' example answers, and the accounts it creates."""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass
from itertools import accumulate

from django.conf import settings
from django.db import models

from onething.cases import services
from onething.catalog.models import HandlingItem, Material, ServiceItem
from onething.core.errors import ServiceError
from onething.core.models import Department, Region, Role, User
from onething.core.services import load_calendar

from .plans import ACCOUNT_PREFIX, UNUSABLE_PASSWORD, Rates
from .refs import Account, Clock, Community, Enterprise, Person, Town, Unit, load_units
from .writer import Writer


@dataclass
class ItemChoice:
    item: ServiceItem
    handling: list[HandlingItem]
    unit: Unit
    procedure: tuple[str, str, int] | None  # (key, name, max days) of an art. 45 procedure


# Art. 45 procedures by the words an item's special procedure is named with.
PROCEDURE_WORDS = (
    ("听证", "hearing"), ("检测", "testing"), ("检验", "testing"), ("专家", "expert"),
    ("评审", "expert"), ("勘验", "survey"), ("踏勘", "survey"), ("勘察", "survey"),
    ("鉴定", "appraisal"), ("评定", "appraisal"), ("检疫", "quarantine"), ("招标", "tendering"),
    ("拍卖", "tendering"),
)  # fmt: skip


def procedure_of(item: ServiceItem) -> tuple[str, str, int] | None:
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
                    row.item, [], unit, procedure_of(row.item)
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


def _staff_names(persons: list[Person]) -> list[str]:
    """Names for simulated staff: residents of working age, in registry order."""
    return [p.name for p in persons if 1966 <= p.birth_date.year <= 2000][:400]


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
