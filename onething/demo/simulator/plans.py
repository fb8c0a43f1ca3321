"""What a simulation is made of: the rates that shape the year (`Rates`) and the plan of one
application — its submission, form, files and every later action on its cases (`Step`), each
at its moment. The planner draws plans; the executor writes them; a test puts the same plans
through the services."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings

from onething.cases import services
from onething.cases.models import Application
from onething.catalog.models import HandlingItem

KEY_PREFIX = "sim:"
ACCOUNT_PREFIX = "sim-"
UNUSABLE_PASSWORD = "!simulated"  # Django treats a password starting with "!" as unusable


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
