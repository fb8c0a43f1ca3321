"""The year simulator: its bulk rows are the rows the services write, the same seed gives the
same rows, and the year it draws has the shape asked for."""

import datetime as dt
import hashlib
import random
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.utils import timezone

from onething.bundles.models import Bundle
from onething.cases import services
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
from onething.core.errors import ServiceError
from onething.core.services import load_calendar
from onething.demo import simulator
from onething.demo.simulator import ApplicationPlan, Step
from onething.evaluation.models import NegativeHandling, Rating, RatingLink, Ticket, TicketEvent
from onething.registries.models import Person

pytestmark = pytest.mark.usefixtures("district")

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 11, 28)


def at(day: str, time: str = "09:30") -> dt.datetime:
    """A local moment of the district, as the aware UTC datetime timezone.now() returns."""
    local = dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=ZONE)
    return local.astimezone(dt.UTC)


def frozen(moment: dt.datetime):
    return patch("django.utils.timezone.now", return_value=moment)


# --- Building plans the way an applicant and staff would act ----------------------------------


def plan_for(actor, *, key, when, handling_code="", bundle=None, guidance=None, on_behalf=None,
             commit=False, delivery="electronic", address="", steps=()):  # fmt: skip
    """A plan whose applicant, items and form come from services.draft_for, with answers and
    files an applicant would give. Plans differing only in the part of `key` after "/" get
    the same answers and files."""
    content = key.split("/")[0]
    with frozen(when):
        draft = services.draft_for(
            actor, handling_code=handling_code, bundle=bundle, answers=guidance,
            on_behalf=on_behalf,
        )  # fmt: skip
    rng = random.Random(content)
    persons = [_registry_person(p) for p in Person.objects.select_related(
        "household_community__parent").order_by("pk")[:20]]  # fmt: skip
    commitments = [c["code"] for c in draft.form.commitments] if commit else []
    needs = simulator.bundle_needs(bundle, guidance)[1] if bundle is not None else None
    return ApplicationPlan(
        key=key, actor=actor, applicant=draft.applicant, handling_items=draft.handling_items,
        submitted_at=when, answers=simulator.answers_for(draft.form, rng, when, persons),
        files=simulator.material_files(content, simulator.files_for(draft.form, commitments)),
        commitments=commitments, delivery_method=delivery, delivery_address=address,
        consent=(on_behalf or {}).get("consent", ""), bundle=bundle,
        guidance_answers=dict(guidance or {}), needs=needs, steps=list(steps),
    )  # fmt: skip


def _registry_person(person):
    community = person.household_community
    return simulator.Person(
        person.pk, person.id_number, person.name, person.phone, person.birth_date,
        simulator.Community(community.name, community.parent_id,
                            simulator.Town(community.parent.name)),
        community.parent_id,
    )  # fmt: skip


def through_services(plan: ApplicationPlan) -> Application:
    """The plan submitted and acted on through the services, each at its moment."""
    with frozen(plan.submitted_at):
        on_behalf = (
            {"id_number": plan.applicant.code, "consent": plan.consent} if plan.consent else None
        )
        draft = services.draft_for(
            plan.actor, handling_code=plan.handling_items[0].code if not plan.bundle else "",
            bundle=plan.bundle, answers=plan.guidance_answers, on_behalf=on_behalf,
        )  # fmt: skip
        application, created = services.submit_application(
            actor=plan.actor, draft=draft, idempotency_key=plan.key, consent=plan.consent,
            submission=services.Submission(
                answers=plan.answers, files=plan.files, commitments=plan.commitments,
                delivery_method=plan.delivery_method, delivery_address=plan.delivery_address,
            ),
        )  # fmt: skip
    assert created
    cases = list(application.cases.order_by("id"))
    for step in plan.steps:
        with frozen(step.at):
            case = cases[step.case]
            if step.action == "verify":
                services.verify_commitment(
                    verification_id=case.verification.pk, actor=step.actor, truthful=True,
                    finding=step.data["finding"],
                )  # fmt: skip
            else:
                services.perform(
                    case_id=case.pk, action=step.action, actor=step.actor, data=step.data,
                    files=step.files or None, today=timezone.localdate(step.at),
                )  # fmt: skip
    return application


# --- Comparing rows --------------------------------------------------------------------------


def _values(queryset, exclude):
    return [{k: v for k, v in row.items() if k not in exclude} for row in queryset.values()]


def rows_of(application: Application) -> dict:
    """Every row the application's submission and handling wrote, without ids, numbers, stored
    file names and idempotency keys (which differ by construction)."""
    cases = Case.objects.filter(application=application).order_by("id")
    case_ids = list(cases.values_list("id", flat=True))
    position = {pk: n for n, pk in enumerate(case_ids)}
    uploads = {u.pk: u for u in Upload.objects.filter(application=application)}

    def upload(pk):
        u = uploads.get(pk)
        return None if u is None else (u.original_name, u.kind, u.size, u.sha256, u.owner_id,
                                       u.uploaded_at)  # fmt: skip

    notices = []
    for notice in Notice.objects.filter(case__in=case_ids).order_by("case", "issued_at", "id"):
        context = dict(notice.context)
        for key in ("application_number", "case_number"):
            assert context.pop(key) in (application.number, notice.case.number)
        notices.append((position[notice.case_id], notice.kind, notice.issued_at,
                        list(context.items())))  # fmt: skip
    return {
        "application": _values(
            Application.objects.filter(pk=application.pk), {"id", "number", "idempotency_key"}
        ),
        "cases": _values(cases, {"id", "application_id", "number"}),
        "events": [
            (position[e["case_id"]], {k: v for k, v in e.items() if k not in ("id", "case_id")})
            for e in CaseEvent.objects.filter(case__in=case_ids)
            .order_by("case", "at", "id")
            .values()
        ],
        "notices": notices,
        "materials": [
            (position[m.case_id], m.name, m.required, m.status, upload(m.upload_id))
            for m in CaseMaterial.objects.filter(case__in=case_ids).order_by("case", "id")
        ],
        "uploads": [upload(pk) for pk in sorted(uploads)],
        "verifications": [
            (position[v["case_id"]], {k: x for k, x in v.items() if k not in ("id", "case_id")})
            for v in CommitmentVerification.objects.filter(case__in=case_ids)
            .order_by("case")
            .values()
        ],
        "rating_links": [
            (position[link.case_id], link.created_at, link.expires_at, link.used_at)
            for link in RatingLink.objects.filter(case__in=case_ids).order_by("case", "id")
        ],
    }


def assert_same_rows(real: Application, simulated_pk: int):
    expected, got = rows_of(real), rows_of(Application.objects.get(pk=simulated_pk))
    for table in expected:
        if got[table] != expected[table]:
            for e, g in zip(expected[table], got[table], strict=False):
                if e != g:
                    pairs = e.items() if isinstance(e, dict) else enumerate(e)
                    other = g if isinstance(g, dict) else dict(enumerate(g))
                    diff = {k: (v, other.get(k)) for k, v in pairs if other.get(k) != v}
                    raise AssertionError(f"{table}: {diff or (e, g)}")
        assert got[table] == expected[table], table
    assert expected["cases"] and expected["events"]
    ended = Case.objects.filter(application=real, state__in=["concluded", "refused"])
    if real.applicant_user_id and ended.exists():
        assert expected["rating_links"]  # the platform sent the rating SMS as cases ended


# --- The plans -------------------------------------------------------------------------------


def _item(code_like: str, **filters):
    from onething.catalog.models import HandlingItem

    return HandlingItem.objects.filter(name=code_like, **filters).order_by("code").first().code


def identity_plans(users, suffix: str) -> list[ApplicationPlan]:
    """Plans that go through every path of the lifecycle: correction, special procedure,
    extension, pick-up and post delivery, refusal, deemed acceptance, denial, withdrawal,
    assisted service, an on-the-spot item, instant approval, commitment with its verification,
    and a bundle."""
    citizen, enterprise = users["citizen"], users["enterprise"]
    reviewer, police = users["reviewer"], users["police-reviewer"]
    health, medicare = users["health-reviewer"], users["medicare-reviewer"]
    town_clerk = users["town-clerk"]
    plans = []
    key = "identity"

    # 1. A licence: correction, resubmission, review, special procedure, extension, pick-up.
    food = _item("食品经营许可（变更）")
    plan = plan_for(citizen, key=f"{key}-1/{suffix}", when=at("2026-03-02"), handling_code=food,
                    delivery="pickup")  # fmt: skip
    asked = next(iter(plan.files))
    plan.steps = [
        Step(at("2026-03-02", "15:10"), 0, "request-correction", reviewer,
             {"problems": [{"item": asked, "problem": "缺少盖章"}]}),
        Step(at("2026-03-05", "10:00"), 0, "resubmit", citizen,
             files=simulator.material_files("identity-1r", [asked])),
        Step(at("2026-03-06", "09:00"), 0, "accept", reviewer),
        Step(at("2026-03-06", "11:00"), 0, "review", reviewer),
        Step(at("2026-03-09", "10:00"), 0, "suspend", reviewer,
             {"procedure": "survey", "reason": "现场核查", "expected_days": 10}),
        Step(at("2026-03-16", "16:00"), 0, "resume", reviewer),
        Step(at("2026-03-17", "09:00"), 0, "extend", reviewer, {"reason": "需进一步审查"}),
        Step(at("2026-03-20", "14:30"), 0, "approve", reviewer),
        Step(at("2026-03-24", "10:00"), 0, "deliver", reviewer, {"method": "pickup"}),
    ]  # fmt: skip
    plans.append(plan)

    # 2. Refused after an unanswered correction.
    household = _item("户口迁移审批（夫妻、父母子女投靠）")
    plan = plan_for(citizen, key=f"{key}-2/{suffix}", when=at("2026-04-01", "20:15"),
                    handling_code=household)  # fmt: skip
    plan.steps = [
        Step(at("2026-04-02", "09:05"), 0, "request-correction", police,
             {"problems": [{"item": "申请表", "problem": "信息填写不完整"}]}),
        Step(at("2026-04-20", "10:00"), 0, "refuse", police,
             {"reasons": "逾期未按补正通知提交补正材料"}),
    ]  # fmt: skip
    plans.append(plan)

    # 3. No notice within 5 working days: deemed accepted (cases_tick), then denied; by post.
    doctor = _item("医师执业注册（首次注册）")
    plan = plan_for(citizen, key=f"{key}-3/{suffix}", when=at("2026-04-28", "10:00"),
                    handling_code=doctor, delivery="express",
                    address="长沙市望城区高塘岭街道1号")  # fmt: skip
    plan.steps = [
        Step(at("2026-05-11", "06:40"), 0, "deem-accept", None),
        Step(at("2026-05-12", "09:10"), 0, "review", health),
        Step(at("2026-05-20", "15:00"), 0, "deny", health, {"reasons": "不符合法定条件"}),
        Step(at("2026-05-21", "10:00"), 0, "deliver", health,
             {"method": "express", "tracking": "SF123456789012"}),
    ]  # fmt: skip
    plans.append(plan)

    # 4. Withdrawn under review.
    plan = plan_for(
        citizen, key=f"{key}-4/{suffix}", when=at("2026-06-01"), handling_code=household
    )
    plan.steps = [
        Step(at("2026-06-01", "10:00"), 0, "accept", police),
        Step(at("2026-06-03", "16:00"), 0, "withdraw", citizen),
    ]
    plans.append(plan)

    # 5. Instant approval (秒批) for an 80-year-old applying online.
    plans.append(
        plan_for(
            users["elder"],
            key=f"{key}-5/{suffix}",
            when=at("2026-06-10", "21:00"),
            handling_code=_item("高龄津贴申领", item__department__code="MZ"),
        )
    )

    # 6. An on-the-spot item at the town's window, picked up at once.
    card = _item("城乡居民基本养老保险参保登记", item__region=town_clerk.town)
    residents = Person.objects.filter(
        death_date__isnull=True, birth_date__lte=dt.date(2000, 1, 1),
        household_community__parent=town_clerk.town,
    )  # fmt: skip
    behalf = {"id_number": residents.order_by("-pk")[0].id_number, "consent": simulator.CONSENT}
    plan = plan_for(town_clerk, key=f"{key}-6/{suffix}", when=at("2026-07-01", "10:00"),
                    handling_code=card, delivery="pickup", on_behalf=behalf)  # fmt: skip
    plan.steps = [
        Step(at("2026-07-01", "10:12"), 0, "accept", town_clerk),
        Step(at("2026-07-01", "10:20"), 0, "deliver", town_clerk, {"method": "pickup"}),
    ]  # fmt: skip
    plans.append(plan)

    # 7. Commitment-based approval by an enterprise, verified later.
    if not services.commitment_barred(services.applicant_for(enterprise)):
        licence = _item("食品经营许可（新办）")
        plan = plan_for(enterprise, key=f"{key}-7/{suffix}", when=at("2026-08-03"),
                        handling_code=licence, commit=True)  # fmt: skip
        plan.steps = [Step(at("2026-08-20", "15:00"), 0, "verify", reviewer,
                           {"finding": "经现场核查，实际情况与承诺一致"})]  # fmt: skip
        plans.append(plan)

    # 8. A bundle: several departments in parallel, delivered electronically once all decide.
    birth = Bundle.objects.get(slug="birth")
    guidance = {"parents_local": True, "parents_married": True, "by_agent": False,
                "cert_status": "ok", "want_insurance": True, "want_card": True,
                "mother_insured": True, "allowance_to_card": True}  # fmt: skip
    plan = plan_for(citizen, key=f"{key}-8/{suffix}", when=at("2026-09-14"), bundle=birth,
                    guidance=guidance)  # fmt: skip
    units = {h.item.department.code if h.item.department_id else "": n
             for n, h in reversed(list(enumerate(plan.handling_items)))}  # fmt: skip
    steps = []
    if "GA" in units:
        steps.append(Step(at("2026-09-14", "11:00"), units["GA"], "accept", police))
    # A correction on one case of the bundle: the new file goes to every undecided case
    # that needs the material.
    if "RS" in units:
        rs = units["RS"]
        asked = [name for name in plan.files if name in plan.needs[plan.handling_items[rs].code]]
        steps += [
            Step(at("2026-09-14", "10:00"), rs, "request-correction", users["hrss-clerk"],
                 {"problems": [{"item": asked[0], "problem": "扫描件不清晰"}]}),
            Step(at("2026-09-14", "16:00"), rs, "resubmit", citizen,
                 files=simulator.material_files("identity-8r", asked[:1])),
            Step(at("2026-09-15", "11:00"), rs, "accept", users["hrss-clerk"]),
        ]  # fmt: skip
    if "WJ" in units:
        steps.append(Step(at("2026-09-15", "09:30"), units["WJ"], "accept", health))
    if "YB" in units:
        steps.append(Step(at("2026-09-15", "10:30"), units["YB"], "accept", medicare))
    plan.steps = sorted(steps, key=lambda s: s.at)
    plans.append(plan)
    return plans


@pytest.fixture
def elder(users):
    """An account of a resident aged 80 or more (高龄津贴 is approved instantly for them)."""
    from onething.core.models import Role, User

    person = Person.objects.filter(
        death_date__isnull=True, birth_date__lte=dt.date(1944, 1, 1)
    ).order_by("pk").first()  # fmt: skip
    users["elder"] = User.objects.create(
        username="elder", role=Role.PERSON, id_number=person.id_number,
        display_name=person.name, phone=person.phone,
    )  # fmt: skip
    return users


def test_bulk_rows_are_the_rows_the_services_write(elder):
    users = elder
    real = [through_services(plan) for plan in identity_plans(users, "real")]
    simulated = simulator.write_plans(identity_plans(users, "sim"))
    assert len(real) == len(simulated) >= 7
    for application, sim in zip(real, simulated, strict=True):
        assert_same_rows(application, sim.pk)
    kinds = set(Notice.objects.filter(case__application__in=real).values_list("kind", flat=True))
    assert {"acceptance", "correction", "refusal", "approval", "denial", "extension",
            "special"} <= kinds  # fmt: skip
    routes = set(Case.objects.filter(application__in=real).values_list("route", flat=True))
    assert {"normal", "commitment", "instant"} <= routes
    events = CaseEvent.objects.filter(case__application__in=real)
    actions = set(events.values_list("action", flat=True))
    assert {"submit", "request-correction", "resubmit", "accept", "review", "suspend", "resume",
            "extend", "approve", "deny", "refuse", "withdraw", "deem-accept", "deliver",
            "instant-approve", "commitment-approve", "verify"} <= actions  # fmt: skip
    bundle = max(real, key=lambda a: a.cases.count())
    assert bundle.cases.count() >= 3
    assert CaseEvent.objects.filter(case__application=bundle, action="resubmit").exists()


# --- The simulated year ----------------------------------------------------------------------


def simulate(cases: int, *, seed: int = 1, **options):
    return simulator.simulate_year(year=2026, cases=cases, seed=seed, today=TODAY, **options)


def digest() -> str:
    """A checksum of every row a simulation writes (ids included: both runs start alike). The
    counters are compared by key and value: their rows take ids from the database's sequence,
    which PostgreSQL does not roll back."""
    data = hashlib.sha256()
    for model in (Application, Case, CaseEvent, Notice, CaseMaterial, Upload, Rating,
                  NegativeHandling, Ticket, TicketEvent):  # fmt: skip
        for row in model.objects.order_by("pk").values_list():
            data.update(repr(row).encode())
    for row in Sequence.objects.order_by("key").values_list("key", "value"):
        data.update(repr(row).encode())
    return data.hexdigest()


class Rollback(Exception):
    pass


def digest_of_a_run(cases: int, seed: int) -> str:
    try:
        with transaction.atomic():
            simulate(cases, seed=seed)
            found = digest()
            raise Rollback
    except Rollback:
        return found


def test_the_same_seed_gives_the_same_rows():
    first = digest_of_a_run(300, seed=7)
    assert Application.objects.filter(idempotency_key__startswith="sim:").count() == 0
    assert digest_of_a_run(300, seed=7) == first
    assert digest_of_a_run(300, seed=8) != first


@pytest.fixture
def year():
    """A simulated year of 1,000 cases up to 2026-11-28."""
    return simulate(1000)


def test_the_year_has_the_shares_asked_for():
    year = simulate(3000)
    assert Case.objects.count() >= year.cases == 3000
    events = CaseEvent.objects.filter(case__application__idempotency_key__startswith="sim:")

    def share(action):
        return events.filter(action=action).values("case").distinct().count() / year.cases

    assert 0.05 <= share("request-correction") <= 0.11
    assert 0.007 <= share("refuse") <= 0.025
    assert 0.004 <= share("deny") <= 0.02
    assert 0.001 <= share("withdraw") <= 0.012
    assert share("deem-accept") <= 0.008
    assert Application.objects.filter(bundle__isnull=False).count() / year.applications >= 0.01
    concluded = Case.objects.filter(state="concluded")
    rated = concluded.filter(ratings__subject="case").distinct().count()
    assert 0.6 <= rated / concluded.count() <= 0.8  # 群众实际评价率 ~70 %
    assert Rating.objects.filter(subject="hall").exists()
    ratings = Rating.objects.count()
    assert 0.005 <= Rating.objects.negative().count() / ratings <= 0.03
    assert NegativeHandling.objects.count() == Rating.objects.negative().count()
    assert 30 <= Ticket.objects.count() <= 60  # ~15 per 1,000 cases
    late = overdue_shares()
    assert 0.005 <= late["promised"] <= 0.04
    assert late["statutory"] <= 0.01


def overdue_shares() -> dict[str, float]:
    calendar = load_calendar()
    decided = Case.objects.filter(decided_on__isnull=False, accepted_on__isnull=False)
    total = Case.objects.count()
    promised = statutory = 0
    for case in decided:
        found = services.status_of(case, today=case.decided_on, calendar=calendar).deadlines
        promised += case.decided_on > found.promised_due
        statutory += case.decided_on > found.statutory_due
    return {"promised": promised / total, "statutory": statutory / total}


def test_submissions_fall_on_working_days_only(year):
    calendar = load_calendar()
    days = {timezone.localdate(t) for t in Case.objects.values_list("submitted_at", flat=True)}
    assert days and all(calendar.is_working_day(day) for day in days)
    assert any(day.weekday() >= 5 for day in days)  # 调休: 2026-02-14, 2026-09-20, 2026-10-10 …
    assert not days & {dt.date(2026, 10, 1), dt.date(2026, 2, 17), dt.date(2026, 9, 25)}
    months = {day.month for day in days}
    assert months == set(range(1, 12))
    per_day = {}
    for t in Case.objects.values_list("submitted_at", flat=True):
        day = timezone.localdate(t)
        per_day[day] = per_day.get(day, 0) + 1
    march = sum(n for d, n in per_day.items() if d.month == 3) / max(
        1, len({d for d in per_day if d.month == 3}))  # fmt: skip
    february = sum(n for d, n in per_day.items() if d.month == 2) / max(
        1, len({d for d in per_day if d.month == 2}))  # fmt: skip
    assert march > february  # the Spring Festival month is quieter


def test_nothing_happens_after_today(year):
    cutoff = at("2026-11-28", "00:00")
    assert not Case.objects.filter(submitted_at__gte=cutoff).exists()
    assert not CaseEvent.objects.filter(at__gte=cutoff).exists()
    assert not Notice.objects.filter(issued_at__gte=cutoff).exists()
    assert not Rating.objects.filter(created_at__gte=cutoff).exists()
    assert not Ticket.objects.filter(received_at__gte=cutoff).exists()
    assert not TicketEvent.objects.filter(at__gte=cutoff).exists()
    recent = Case.objects.filter(submitted_at__gte=at("2026-11-20", "00:00"))
    assert recent.exclude(state__in=("concluded", "refused", "withdrawn")).exists()
    old = Case.objects.filter(submitted_at__lt=at("2026-06-01", "00:00"))
    assert old.filter(state__in=("concluded", "refused", "withdrawn")).count() / old.count() > 0.99


def test_a_real_submission_continues_the_numbering(year, users):
    last = Application.objects.order_by("-number").first().number
    plan = plan_for(users["citizen"], key="after-simulation", when=timezone.now(),
                    handling_code=_item("户口迁移审批（夫妻、父母子女投靠）"))  # fmt: skip
    application = through_services(plan)
    assert int(application.number.split("-")[1]) == int(last.split("-")[1]) + 1
    case = application.cases.get()
    counter = f"notice:{case.department.code}:acceptance:{timezone.localdate().year}"
    before = Sequence.objects.filter(key=counter).values_list("value", flat=True).first() or 0
    services.perform(case_id=case.pk, action="accept", actor=users["police-reviewer"])
    number = Notice.objects.filter(case=case, kind="acceptance").get().number
    assert number.endswith(f"〔{timezone.localdate().year}〕{before + 1}号")
    assert Notice.objects.filter(number=number).count() == 1


def test_a_year_is_simulated_once_unless_replaced(year):
    with pytest.raises(ServiceError, match="已经模拟过"):
        simulate(100)
    counts = (Application.objects.count(), Case.objects.count())
    states = sorted(Case.objects.values_list("state", flat=True))
    again = simulate(1000, replace=True)
    assert again.cases == 1000
    assert (Application.objects.count(), Case.objects.count()) == counts
    assert sorted(Case.objects.values_list("state", flat=True)) == states  # the same year


def test_notice_numbers_are_unique_and_in_order_of_issue(year):
    numbers = Notice.objects.values_list("number", flat=True)
    assert len(set(numbers)) == len(numbers)
    series = {}
    for notice in Notice.objects.select_related("case__department").order_by("issued_at", "id"):
        prefix, n = notice.number.rsplit("〕", 1)
        series.setdefault(prefix, []).append(int(n.removesuffix("号")))
    for values in series.values():
        assert values == sorted(values)


def test_a_year_in_the_future_is_refused():
    with pytest.raises(ServiceError, match="尚未到来"):
        simulator.simulate_year(year=2027, cases=10, seed=1, today=TODAY)


def test_sqlite_rows_are_stored_as_the_orm_stores_them(year):
    """Raw inserts send dates, datetimes and JSON in the text the ORM would."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's text formats")
    for model in (Application, Case):
        pk = (
            model.objects.filter(idempotency_key__startswith="sim:").order_by("pk").last().pk
            if (model is Application)
            else Case.objects.exclude(pauses=[]).order_by("pk").first().pk
        )
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])
            columns = [c[0] for c in cursor.description]
            before = dict(zip(columns, cursor.fetchone(), strict=True))
            row = model.objects.get(pk=pk)
            with frozen(row.updated_at if model is Case else timezone.now()):
                row.save()
            cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])
            after = dict(zip(columns, cursor.fetchone(), strict=True))
        assert after == before, model


# --- Ratings and the hotline: replayed through the evaluation services -------------------------


def _row(model, pk, exclude=("id",)):
    return {k: v for k, v in model.objects.filter(pk=pk).values().get().items() if k not in exclude}


def _forget(*rows):
    """Delete simulated rows (raw, children first) so the services can write them again."""
    with connection.cursor() as cursor:
        for model, pk in rows:
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = %s", [pk])


def _replay_handling(handling: dict, rating, staff) -> None:
    """The negative rating's handling steps, taken through the service at their moments."""
    from onething.core.models import User
    from onething.evaluation.services import handling as steps

    opened = NegativeHandling.objects.get(rating=rating)

    def act(action, actor, now, **data):
        steps.perform(handling_id=opened.pk, action=action, actor=actor, data=data, now=now)

    if handling["appealed_at"]:
        act("appeal", User.objects.get(pk=handling["appealed_by_id"]), handling["appealed_at"],
            reason=handling["appeal_reason"])  # fmt: skip
        if handling["appeal_decided_at"]:
            act("decide-appeal", User.objects.get(pk=handling["appeal_decided_by_id"]),
                handling["appeal_decided_at"], uphold=handling["appeal_upheld"],
                decision=handling["appeal_decision"])  # fmt: skip
    if handling["verified_at"]:
        act("verify", User.objects.get(pk=handling["verified_by_id"]), handling["verified_at"],
            upheld=handling["upheld"], verification=handling["verification"])  # fmt: skip
    if handling["rectified_at"]:
        act("rectify", staff, handling["rectified_at"], outcome=handling["outcome"],
            rectification=handling["rectification"])  # fmt: skip
    if handling["followed_up_at"]:
        act("follow-up", staff, handling["followed_up_at"], follow_up=handling["follow_up"],
            rater_satisfied=handling["rater_satisfied"])  # fmt: skip
    if handling["closed_at"] and not handling["appeal_upheld"]:
        act("close", staff, handling["closed_at"])


def _staff_of(rating):
    from onething.core.models import User

    unit = {"department_id": rating.department_id} if rating.department_id else {
        "town_id": rating.town_id}  # fmt: skip
    return User.objects.filter(username__startswith="sim-", role="reviewer", **unit).get()


def test_rating_rows_are_the_rows_the_services_write():
    from onething.evaluation.services import rate_case, rate_hall_service

    simulate(1500, seed=3)
    ratings = Rating.objects.filter(subject__in=("case", "hall")).select_related("case")
    chosen = {r.pk: r for r in ratings.negative().order_by("pk")[:8]}
    for channel in ("web", "app", "sms", "hall_tablet", "terminal"):
        chosen |= {r.pk: r for r in ratings.filter(channel=channel).order_by("pk")[:3]}
    chosen = list(chosen.values())
    assert {"web", "app", "sms", "hall_tablet"} <= {r.channel for r in chosen}
    handlings = NegativeHandling.objects.filter(rating__in=chosen)
    assert handlings.filter(state="closed").exists()
    assert handlings.filter(appealed_at__isnull=False).exists() or handlings.count() >= 6
    for rating in chosen:
        expected = _row(Rating, rating.pk)
        handling = NegativeHandling.objects.filter(rating=rating).values().first()
        if handling:
            _forget((NegativeHandling, handling["id"]))
        _forget((Rating, rating.pk))
        options = {"level": rating.level, "reasons": rating.reasons, "text": rating.text,
                   "now": rating.created_at}  # fmt: skip
        if rating.subject == "hall":
            again = rate_hall_service(
                rating.clerk, service_ref=rating.service_ref, clerk=rating.clerk,
                channel=rating.channel, window=rating.window, rater_name=rating.rater_name,
                rater_phone=rating.rater_phone, case=rating.case, **options,
            )  # fmt: skip
        else:
            actor = rating.rater_user if rating.channel != "sms" else None
            again = rate_case(actor, rating.case, channel=rating.channel,
                              anonymous=not rating.rater_name, **options)  # fmt: skip
        if handling:
            _replay_handling(handling, again, _staff_of(again))
            assert _row(NegativeHandling, again.handling.pk, ("id", "rating_id")) == {
                k: v for k, v in handling.items() if k not in ("id", "rating_id")
            }
        assert _row(Rating, again.pk) == expected


def test_ticket_rows_are_the_rows_the_services_write():
    from onething.core.models import Department, Region
    from onething.evaluation.services import hotline

    simulate(4000, seed=5, rates=simulator.Rates(ticket_reassigned=0.3, negative=0.1))
    returned = Ticket.objects.filter(events__action="return").order_by("pk")[:3]
    tickets = list(returned) + list(Ticket.objects.exclude(pk__in=returned).order_by("pk")[:20])
    assert returned and Rating.objects.filter(ticket__in=tickets).exists()
    units = {d.name: {"department": d.code} for d in Department.objects.all()}
    units |= {t.name: {"town": t.code} for t in Region.objects.filter(level="town")}
    for ticket in tickets:
        expected = _row(Ticket, ticket.pk, ("id", "number"))
        events = list(ticket.events.order_by("at", "id"))
        expected_events = [_row(TicketEvent, e.pk, ("id", "ticket_id")) for e in events]
        rating = Rating.objects.filter(ticket=ticket).first()
        expected_rating = _row(Rating, rating.pk, ("id", "ticket_id")) if rating else None
        handling = NegativeHandling.objects.filter(rating=rating).values().first()
        _forget(*[(TicketEvent, e.pk) for e in events])
        if handling:
            _forget((NegativeHandling, handling["id"]))
        if rating:
            _forget((Rating, rating.pk))
        _forget((Ticket, ticket.pk))
        intake, first_dispatch = events[0], events[1]
        again = hotline.intake_ticket(
            actor=intake.actor, channel=ticket.channel, caller_phone=ticket.caller_phone,
            category=ticket.category, text=ticket.text, caller_name=ticket.caller_name,
            now=ticket.received_at, **units[first_dispatch.message.removeprefix("派至")],
        )  # fmt: skip
        for event in events[2:]:
            data = {}
            if event.action == "dispatch":
                data = units[event.message.removeprefix("派至")]
            elif event.action == "return":
                data = {"reason": event.message.split("退回：", 1)[1]}
            elif event.action == "reply":
                data = {"reply": ticket.reply}
            elif event.action == "visit":
                data = {"visit_result": ticket.visit_result, "level": ticket.satisfaction,
                        "reasons": rating.reasons}  # fmt: skip
            hotline.perform(ticket_id=again.pk, action=event.action, actor=event.actor,
                            data=data, now=event.at)  # fmt: skip
        assert _row(Ticket, again.pk, ("id", "number")) == expected
        assert [
            _row(TicketEvent, e.pk, ("id", "ticket_id")) for e in again.events.order_by("at", "id")
        ] == expected_events
        if rating:
            again_rating = Rating.objects.get(ticket=again)
            if handling:
                _replay_handling(handling, again_rating, _staff_of(again_rating))
                assert _row(NegativeHandling, again_rating.handling.pk, ("id", "rating_id")) == {
                    k: v for k, v in handling.items() if k not in ("id", "rating_id")
                }
            assert _row(Rating, again_rating.pk, ("id", "ticket_id")) == expected_rating


def test_a_lean_year_writes_cases_without_their_timelines():
    result = simulate(400, lean=True)
    assert Case.objects.count() == result.cases == 400
    assert result.rows["cases_case"] == 400 and "cases_caseevent" not in result.rows
    assert not CaseEvent.objects.exists() and not Notice.objects.exists()
    assert not CaseMaterial.objects.exists() and not Upload.objects.exists()
    assert Rating.objects.filter(subject="case").exists()
