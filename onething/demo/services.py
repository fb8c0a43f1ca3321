"""The demo district: regions, communities, departments, demo accounts and the registries.

Everything here is idempotent: loading the district twice changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from onething.core.identity import credit_code_from_parts
from onething.core.models import Department, Region, Role, User
from onething.core.regions import load_regions
from onething.core.services import record_audit, seed_calendar_from_package
from onething.demo.data.communities import FIRST, SECOND
from onething.demo.data.departments import DEPARTMENTS, LEAD_DEPARTMENT

DEMO_SOURCE = "演示数据：按真实代码规则生成，非官方公布"


def _community_names(rng: random.Random, count: int, *, villages: int) -> list[tuple[str, bool]]:
    names: list[tuple[str, bool]] = []
    used: set[str] = set()
    while len(names) < count:
        stem = rng.choice(FIRST) + rng.choice(SECOND)
        if stem in used:
            continue
        used.add(stem)
        is_village = len(names) >= count - villages
        names.append((stem + ("村" if is_village else "社区"), is_village))
    return names


@transaction.atomic
def generate_communities(*, district_code: str, seed: int = 1) -> int:
    """8–15 communities per town of the district, 12-digit codes under the town's code.

    Residents' committees (社区) take 001–199 and villages (村) 200–399, as statistical codes
    do. A town that already has communities is left alone.
    """
    added = 0
    towns = Region.objects.filter(parent__code=district_code, level=Region.Level.TOWN)
    for town in towns.filter(valid_to__isnull=True):
        if town.children.exists():
            continue
        rng = random.Random(f"{seed}:{town.code}")
        count = rng.randint(8, 15)
        villages = (
            rng.randint(count // 2, count - 2) if town.name.endswith("镇") else rng.randint(0, 3)
        )
        community_no, village_no = 0, 199
        for name, is_village in _community_names(rng, count, villages=villages):
            if is_village:
                village_no += 1
                suffix = village_no
            else:
                community_no += 1
                suffix = community_no
            Region.objects.create(
                code=f"{town.code}{suffix:03d}",
                name=name,
                level=Region.Level.COMMUNITY,
                parent=town,
                is_demo=True,
                source=DEMO_SOURCE,
            )
            added += 1
    return added


def department_credit_code(index: int, district_code: str) -> str:
    """A synthetic but valid credit code of an organ (登记管理部门 1 机构编制, 类别 1 机关)."""
    return credit_code_from_parts("1", "1", district_code, f"{index + 1:08d}")


@transaction.atomic
def load_departments(*, district_code: str) -> int:
    district = Region.objects.get(code=district_code)
    added = 0
    for order, (code, name, full_name, kind) in enumerate(DEPARTMENTS):
        _, created = Department.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "full_name": full_name,
                "kind": kind,
                "is_lead": code == LEAD_DEPARTMENT,
                "region": district,
                "credit_code": department_credit_code(order, district_code),
                "sort_order": order,
            },
        )
        added += created
    if added:
        record_audit(actor=None, action="core.department.load", after={"added": added})
    return added


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: str
    department: str = ""
    town: str = ""


# The fixed accounts the README and `make run` print, then a few more for other units.
DEMO_ACCOUNTS = [
    DemoAccount("admin", "系统管理员", Role.SYSADMIN, department="SJZY"),
    DemoAccount("supervisor", "审批局督查员", Role.SUPERVISOR, department="XZSP"),
    DemoAccount("clerk", "综合窗口人员", Role.CLERK, department="XZSP"),
    DemoAccount("reviewer", "市场监管审批员", Role.REVIEWER, department="SCJG"),
    DemoAccount("town-clerk", "高塘岭街道窗口人员", Role.CLERK, town="高塘岭街道"),
    DemoAccount("citizen", "", Role.PERSON),
    DemoAccount("enterprise", "", Role.ENTERPRISE),
    DemoAccount("dept-admin", "市场监管部门管理员", Role.DEPARTMENT_ADMIN, department="SCJG"),
    DemoAccount("police-reviewer", "公安审批员", Role.REVIEWER, department="GA"),
    DemoAccount("hrss-clerk", "人社窗口人员", Role.CLERK, department="RS"),
    DemoAccount("health-reviewer", "卫健审批员", Role.REVIEWER, department="WJ"),
    DemoAccount("medicare-reviewer", "医保经办审核员", Role.REVIEWER, department="YB"),
    DemoAccount("tongguan-clerk", "铜官街道窗口人员", Role.CLERK, town="铜官街道"),
    DemoAccount("jinggang-reviewer", "靖港镇审批员", Role.REVIEWER, town="靖港镇"),
    DemoAccount("park-clerk", "经开区窗口人员", Role.CLERK, department="JKQ"),
]


def _applicant_identity(account: DemoAccount) -> dict:
    """Demo applicants are real rows of the synthetic registries."""
    from onething.registries.models import Enterprise, Person

    if account.role == Role.PERSON:
        person = (
            Person.objects.filter(death_date__isnull=True, birth_date__year__lte=1990)
            .order_by("id")
            .first()
        )
        return {"id_number": person.id_number, "display_name": person.name, "phone": person.phone}
    enterprise = Enterprise.objects.filter(status="active").order_by("id").first()
    rep = Person.objects.get(id_number=enterprise.legal_rep_id_number)
    return {
        "id_number": rep.id_number,
        "credit_code": enterprise.credit_code,
        "display_name": f"{rep.name}（{enterprise.name}）",
    }


@transaction.atomic
def load_demo_accounts(*, district_code: str) -> int:
    added = 0
    for account in DEMO_ACCOUNTS:
        if User.objects.filter(username=account.username).exists():
            continue
        fields = {"display_name": account.display_name, "role": account.role}
        if account.department:
            fields["department"] = Department.objects.get(code=account.department)
        if account.town:
            fields["town"] = Region.objects.get(
                parent__code=district_code,
                level=Region.Level.TOWN,
                name=account.town,
                valid_to__isnull=True,
            )
        if account.role in (Role.PERSON, Role.ENTERPRISE):
            fields.update(_applicant_identity(account))
        user = User(username=account.username, **fields)
        user.set_password(settings.ONETHING_DEMO_PASSWORD)
        user.full_clean()
        user.save()
        record_audit(actor=None, action="core.user.create", obj=user, after={"role": user.role})
        added += 1
    return added


def load_demo_district(
    *, people: int, enterprises: int, seed: int, catalog: bool = True
) -> dict[str, int]:
    """Everything `make run` loads. Refused by production settings."""
    from onething.bundles.publishing import load_bundles
    from onething.catalog.loader import ensure_code_tables, load_catalog
    from onething.registries.loader import load_legal_entities, load_population
    from onething.registries.qualifications import load_enterprise_qualifications

    if settings.ONETHING_REFUSE_DEMO_PASSWORD:
        raise RuntimeError("生产环境不加载演示数据")
    district = settings.ONETHING_DISTRICT_CODE
    report = {
        "regions": load_regions(path=settings.ONETHING_REGIONS_CSV),
        "communities": generate_communities(district_code=district, seed=seed),
        "calendar_years": seed_calendar_from_package(),
        "departments": load_departments(district_code=district),
        "people": load_population(seed=seed, size=people),
        "enterprises": load_legal_entities(seed=seed, size=enterprises),
        "qualifications": load_enterprise_qualifications(),
    }
    report["accounts"] = load_demo_accounts(district_code=district)
    if catalog:
        report.update(load_catalog())
        report["bundles"] = load_bundles()
    else:
        report["item_kinds_and_synonyms"] = ensure_code_tables()
    return report
