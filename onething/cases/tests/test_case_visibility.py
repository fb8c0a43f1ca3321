"""Who sees which applications, cases, files, notices and materials (Model.objects.visible_to),
and that a case out of sight cannot be acted on either."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from onething.cases import services
from onething.cases.models import Application, Case, CaseMaterial, Notice, Upload
from onething.cases.workflow import State
from onething.core.errors import NotFound
from onething.core.models import User
from onething.registries.models import Person

from .factories import (
    ELDERLY_GAOTANGLING,
    FOOD_LICENSE,
    RECHECK,
    VACCINATION,
    act,
    make_person,
    only_case,
    submit,
)

pytestmark = pytest.mark.django_db

CONSENT = "申请人本人到窗口当面签字确认委托"


@pytest.fixture
def world(users):
    """Applications of several applicants, routed to 区市场监管局, 区卫健局 and 高塘岭街道."""
    citizen = users["citizen"]
    # A registered person without an account yet: the clerk applies for them at the window.
    stranger = (
        Person.objects.exclude(id_number__in=User.objects.values("id_number"))
        .filter(death_date__isnull=True)
        .order_by("id_number")
        .first()
    )
    assisted = submit(
        users["clerk"],
        code=RECHECK,
        on_behalf={"id_number": stranger.id_number, "consent": CONSENT},
        consent=CONSENT,
    )
    assert assisted.applicant_user is None
    # The person registers afterwards and finds the application made for their ID number.
    stranger_user = make_person("stranger", stranger.id_number, stranger.name)
    apps = {
        "citizen-scjg": submit(citizen, code=RECHECK),
        "citizen-wj": submit(citizen, code=VACCINATION),
        "citizen-town": submit(citizen, code=ELDERLY_GAOTANGLING),
        "assisted": assisted,
        "enterprise": submit(
            users["enterprise"],
            code=FOOD_LICENSE,
            fields={"business_form": "catering", "online_sales": "no"},
        ),
    }
    cases = {key: only_case(app) for key, app in apps.items()}
    assert cases["citizen-scjg"].department.code == "SCJG"
    assert cases["citizen-wj"].department.code == "WJ"
    assert cases["citizen-town"].town == users["town-clerk"].town
    # A notice on the citizen's 区市场监管局 case.
    act(cases["citizen-scjg"], "accept", users["reviewer"], timezone.localdate())
    everyone = {**users, "stranger": stranger_user, "anonymous": AnonymousUser()}
    return everyone, apps, cases


EXPECTED = {
    # who: keys of the applications (and so of their single cases) they see
    "citizen": {"citizen-scjg", "citizen-wj", "citizen-town"},
    "stranger": {"assisted"},
    "enterprise": {"enterprise"},  # same ID number as the citizen, but acts for its company
    "reviewer": {"citizen-scjg", "assisted", "enterprise"},
    "dept-admin": {"citizen-scjg", "assisted", "enterprise"},
    "health-reviewer": {"citizen-wj"},
    "police-reviewer": set(),
    "town-clerk": {"citizen-town"},
    "tongguan-clerk": set(),
    "jinggang-reviewer": set(),
    "hrss-clerk": set(),
    "supervisor": {"citizen-scjg", "citizen-wj", "citizen-town", "assisted", "enterprise"},
    # System administrators run the platform but do not read people's applications.
    "admin": set(),
    "anonymous": set(),
}


def _seen(world, who) -> dict[str, set]:
    """What `who` sees of the world, per model, as sets of application keys."""
    everyone, apps, cases = world
    user = everyone[who]
    by_case = {c.pk: key for key, c in cases.items()}
    by_app = {a.pk: key for key, a in apps.items()}

    def keys(rows, names):
        return {names[pk] for pk in rows if pk in names}

    return {
        "application": keys(
            Application.objects.visible_to(user).values_list("pk", flat=True), by_app
        ),
        "case": keys(Case.objects.visible_to(user).values_list("pk", flat=True), by_case),
        "material": keys(
            CaseMaterial.objects.visible_to(user).values_list("case_id", flat=True), by_case
        ),
        "notice": keys(Notice.objects.visible_to(user).values_list("case_id", flat=True), by_case),
        "upload": keys(
            Upload.objects.visible_to(user).values_list("application_id", flat=True), by_app
        ),
    }


def test_visibility_matrix(world):
    _, apps, cases = world
    with_materials = {k for k, c in cases.items() if CaseMaterial.objects.filter(case=c).exists()}
    with_uploads = {k for k, a in apps.items() if Upload.objects.filter(application=a).exists()}
    assert with_materials == set(cases)
    assert with_uploads == set(apps) - {"citizen-wj"}  # its materials all come from e-licenses
    wrong = {}
    for who, expected in EXPECTED.items():
        want = {
            "application": expected,
            "case": expected,
            "material": expected,
            "notice": expected & {"citizen-scjg"},
            "upload": expected & with_uploads,
        }
        got = _seen(world, who)
        for model, keys in want.items():
            if got[model] != keys:
                wrong[(who, model)] = {"expected": keys, "seen": got[model]}
    assert not wrong


def test_the_assisting_clerk_follows_the_application_they_submitted(world):
    everyone, apps, cases = world
    clerk = everyone["clerk"]
    assert _seen(world, "clerk")["application"] == {"assisted"}
    seen = Case.objects.visible_to(clerk).filter(pk__in=[c.pk for c in cases.values()])
    assert list(seen) == [cases["assisted"]]
    files = Upload.objects.visible_to(clerk).filter(application__in=apps.values())
    assert set(files.values_list("application_id", flat=True)) == {apps["assisted"].pk}


def test_the_numbers_of_applicants_are_masked_for_display(world):
    _, apps, _ = world
    shown = apps["citizen-scjg"].masked_applicant
    code = apps["citizen-scjg"].applicant_code
    assert code not in shown
    assert code[:6] in shown and code[-4:] in shown


OUT_OF_SIGHT = [
    ("health-reviewer", "citizen-scjg", "approve", {}),
    ("town-clerk", "citizen-scjg", "approve", {}),
    ("reviewer", "citizen-wj", "accept", {}),
    ("jinggang-reviewer", "citizen-town", "accept", {}),
    ("tongguan-clerk", "citizen-town", "refuse", {"reasons": "x"}),
    ("enterprise", "citizen-scjg", "withdraw", {}),
    ("citizen", "enterprise", "withdraw", {}),
    ("stranger", "citizen-wj", "withdraw", {}),
    ("anonymous", "citizen-scjg", "withdraw", {}),
]


def test_a_case_out_of_sight_cannot_be_acted_on(world):
    everyone, _, cases = world
    for who, case_key, action, data in OUT_OF_SIGHT:
        case = cases[case_key]
        case.refresh_from_db()
        state, version = case.state, case.version
        with pytest.raises(NotFound):
            act(case, action, everyone[who], timezone.localdate(), **data)
        case.refresh_from_db()
        assert (case.state, case.version) == (state, version), who


def test_an_applicant_withdraws_an_application_made_for_their_id_number(world):
    everyone, apps, cases = world
    application = services.withdraw_application(
        application_id=apps["assisted"].pk, actor=everyone["stranger"]
    )
    assert application.status == Application.Status.WITHDRAWN
    cases["assisted"].refresh_from_db()
    assert cases["assisted"].state == State.WITHDRAWN


def test_the_assisting_clerk_may_withdraw_for_the_applicant(world):
    everyone, apps, cases = world
    services.withdraw_application(application_id=apps["assisted"].pk, actor=everyone["clerk"])
    cases["assisted"].refresh_from_db()
    assert cases["assisted"].state == State.WITHDRAWN
