"""Every URL and API endpoint, as every role: nothing outside the role's scope comes back.

The scopes below are written out independently of the models' `visible_to` rules, so the test
checks those rules rather than repeating them. A new URL without an entry in ENDPOINTS fails
`test_every_url_has_a_matrix_entry`.
"""

import copy
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from onething.cases import services as cases_services
from onething.catalog import services as catalog_services
from onething.catalog.tests.factories import BASE_ITEM
from onething.core import notifications, services
from onething.core.models import AuditEntry, Department, Region, Role, User
from onething.registries.models import Enterprise, Person

ROLES = [
    "anonymous",
    "citizen",
    "enterprise",
    "clerk",
    "reviewer",
    "dept-admin",
    "town-clerk",
    "supervisor",
    "admin",
]
STAFF = {"clerk", "reviewer", "dept-admin", "town-clerk", "supervisor"}
APPLICANTS = {"citizen", "enterprise"}
SIGNED_IN = set(ROLES) - {"anonymous"}
ALL = set(ROLES)
BUREAU = {"supervisor", "admin"}
WINDOW = {"clerk", "reviewer", "dept-admin", "town-clerk"}  # staff who may serve in person
# ctx["case"]: its applicant, its unit's staff and the bureau (cases/tests/test_case_visibility.py).
CASE_READERS = {"enterprise", "reviewer", "dept-admin", "supervisor"}
BIRTH_ANSWERS = (
    "parents_local=yes&parents_married=yes&by_agent=no&cert_status=ok&want_insurance=yes"
    "&want_card=no&mother_insured=no"
)
PURPOSE = "办件 WC2026-000123 核验"


@dataclass
class Endpoint:
    route: str
    method: str
    urls: callable  # (ctx, role) -> list of URLs to request
    allowed: set  # roles that get a 2xx/3xx answer with content
    data: dict = field(default_factory=dict)
    ok: tuple = (200,)


def one(url):
    return lambda ctx, role: [url]


def person_urls(ctx, role):
    return [f"/api/v1/registries/persons/{p.id_number}?purpose={PURPOSE}" for p in ctx["people"]]


def enterprise_urls(ctx, role):
    return [
        f"/api/v1/registries/enterprises/{e.credit_code}?purpose={PURPOSE}"
        for e in ctx["enterprises"]
    ]


ENDPOINTS = [
    Endpoint("api/v1/", "GET", one("/api/v1/"), set(), ok=(200, 404)),
    Endpoint("api/v1/openapi.json", "GET", one("/api/v1/openapi.json"), ALL),
    Endpoint("api/v1/docs", "GET", one("/api/v1/docs"), ALL),
    Endpoint(
        "api/v1/auth/token",
        "POST",
        one("/api/v1/auth/token"),
        set(),
        data={"username": "nobody", "password": "wrong"},
    ),
    Endpoint("api/v1/auth/token", "DELETE", one("/api/v1/auth/token"), set()),
    Endpoint("api/v1/me", "GET", one("/api/v1/me"), SIGNED_IN),
    Endpoint(
        "api/v1/regions/<code>",
        "GET",
        lambda ctx, r: ["/api/v1/regions/430112", "/api/v1/regions/430112014"],
        ALL,
    ),
    Endpoint(
        "api/v1/regions/<code>/children", "GET", one("/api/v1/regions/430112001/children"), ALL
    ),
    Endpoint("api/v1/departments", "GET", one("/api/v1/departments"), ALL),
    Endpoint(
        "api/v1/calendar/add-working-days",
        "GET",
        one("/api/v1/calendar/add-working-days?start=2026-09-24&days=5"),
        ALL,
    ),
    Endpoint(
        "api/v1/calendar/working-days-between",
        "GET",
        one("/api/v1/calendar/working-days-between?start=2026-09-24&end=2026-10-09"),
        ALL,
    ),
    Endpoint(
        "api/v1/calendar/next-working-day",
        "GET",
        one("/api/v1/calendar/next-working-day?date=2026-09-30"),
        ALL,
    ),
    Endpoint("api/v1/audit", "GET", one("/api/v1/audit?limit=200"), {"supervisor", "admin"}),
    Endpoint(
        "api/v1/registries/persons", "GET", one("/api/v1/registries/persons?limit=200"), SIGNED_IN
    ),
    Endpoint("api/v1/registries/persons/<id_number>", "GET", person_urls, SIGNED_IN, ok=(200, 404)),
    Endpoint(
        "api/v1/registries/enterprises",
        "GET",
        one("/api/v1/registries/enterprises?limit=200"),
        SIGNED_IN,
    ),
    Endpoint(
        "api/v1/registries/enterprises/<credit_code>",
        "GET",
        enterprise_urls,
        SIGNED_IN,
        ok=(200, 404),
    ),
    Endpoint("account/login/", "GET", one("/account/login/"), ALL),
    Endpoint("account/logout/", "POST", one("/account/logout/"), ALL, ok=(302,)),
    Endpoint("account/second-factor/", "GET", one("/account/second-factor/"), SIGNED_IN),
    Endpoint(
        "workbench/audit/",
        "GET",
        lambda ctx, r: ["/workbench/audit/", "/workbench/audit/?export=csv"],
        {"supervisor", "admin"},
    ),
    Endpoint("workbench/registry/", "POST", lambda ctx, r: ["/workbench/registry/"] * 2, STAFF),
    Endpoint("", "GET", one("/"), ALL),
    Endpoint(
        "regions/<str:code>/",
        "GET",
        lambda ctx, r: ["/regions/430112001/", "/regions/430112014/"],
        ALL,
    ),
    Endpoint("workbench/", "GET", one("/workbench/"), STAFF | {"admin"}),
    Endpoint("my/", "GET", one("/my/"), APPLICANTS),
    # Inboxes: each user reads only their own; the bureau does not read people's inboxes.
    Endpoint("my/inbox/", "GET", one("/my/inbox/"), SIGNED_IN),
    Endpoint(
        "my/inbox/<int:pk>/",
        "GET",
        lambda ctx, r: [f"/my/inbox/{ctx['message'].pk}/"],
        {"citizen"},
        ok=(302,),
    ),
    Endpoint(
        "my/inbox/<int:pk>/",
        "POST",
        lambda ctx, r: [f"/my/inbox/{ctx['message'].pk}/"],
        {"citizen"},
        ok=(302,),
    ),
    # Local rules: every signed-in user reads them; staff see the page; the bureau changes them.
    Endpoint("api/v1/settings", "GET", one("/api/v1/settings"), SIGNED_IN),
    Endpoint("settings/", "GET", one("/settings/"), STAFF | {"admin"}),
    Endpoint(
        "settings/",
        "POST",
        one("/settings/"),
        BUREAU,
        data={
            "key": "cases.yellow_days",
            "cases-yellow_days-value": "3",
            "cases-yellow_days-source": "矩阵测试依据",
            "cases-yellow_days-base_version": "0",
        },
        ok=(200, 302),
    ),
    Endpoint(
        "display/elderly/", "POST", one("/display/elderly/"), ALL, data={"on": "1"}, ok=(302,)
    ),
    # Catalog: published items are public; drafts belong to their unit; reports to the bureau.
    Endpoint("api/v1/items", "GET", one("/api/v1/items?q=cshh"), ALL),
    Endpoint(
        "api/v1/items/<code>", "GET", lambda ctx, r: [f"/api/v1/items/{ctx['item_code']}"], ALL
    ),
    Endpoint(
        "api/v1/items/<code>/versions",
        "GET",
        lambda ctx, r: [f"/api/v1/items/{ctx['item_code']}/versions"],
        ALL,
    ),
    Endpoint(
        "api/v1/items/<code>/versions/<number>",
        "GET",
        lambda ctx, r: [f"/api/v1/items/{ctx['item_code']}/versions/1"],
        ALL,
    ),
    *[
        Endpoint(
            f"api/v1/catalog/reports/{name}", "GET", one(f"/api/v1/catalog/reports/{name}"), BUREAU
        )
        for name in ("same-standard", "four-reductions", "online-availability", "consistency")
    ],
    Endpoint(
        "api/v1/rules/evaluate",
        "POST",
        one("/api/v1/rules/evaluate"),
        ALL,
        data={
            "rule": {"fact": "employees", "op": "<=", "value": 100},
            "facts": {"employees": 80},
            "catalog": "enterprise",
        },
    ),
    Endpoint("api/v1/delegations", "GET", one("/api/v1/delegations?to=JKQ"), ALL),
    # Bundles: public questionnaires; a session's answers are only the visitor's own.
    Endpoint("api/v1/bundles", "GET", one("/api/v1/bundles"), ALL),
    Endpoint(
        "api/v1/bundles/<slug>/guidance",
        "POST",
        one("/api/v1/bundles/birth/guidance"),
        ALL,
        data={"answers": {"parents_local": True}},
    ),
    Endpoint("bundles/", "GET", one("/bundles/"), ALL),
    Endpoint(
        "workbench/bundles/", "GET", one("/workbench/bundles/"), {"clerk", "supervisor", "admin"}
    ),
    Endpoint(
        "workbench/bundles/<slug:slug>/",
        "GET",
        one("/workbench/bundles/birth/"),
        {"clerk", "supervisor", "admin"},
    ),
    Endpoint("bundles/<slug:slug>/", "GET", one("/bundles/birth/"), ALL),
    Endpoint(
        "bundles/<slug:slug>/questions/<str:key>/",
        "GET",
        one("/bundles/birth/questions/parents_local/"),
        ALL,
    ),
    Endpoint("bundles/<slug:slug>/check/", "GET", one("/bundles/birth/check/"), ALL, ok=(302,)),
    Endpoint(
        "bundles/<slug:slug>/result/",
        "GET",
        one(
            "/bundles/birth/result/?parents_local=no&cert_status=ok&want_insurance=no"
            "&want_card=no&mother_insured=no"
        ),
        ALL,
    ),
    Endpoint("delegations/<str:to>/", "GET", one("/delegations/JKQ/"), ALL),
    Endpoint("items/", "GET", one("/items/?q=测试花卉"), ALL),
    Endpoint("items/<str:code>/", "GET", lambda ctx, r: [f"/items/{ctx['item_code']}/"], ALL),
    Endpoint(
        "items/<str:code>/guide.pdf",
        "GET",
        lambda ctx, r: [f"/items/{ctx['item_code']}/guide.pdf"],
        ALL,
    ),
    Endpoint(
        "items/<str:code>/versions/",
        "GET",
        lambda ctx, r: [f"/items/{ctx['item_code']}/versions/"],
        ALL,
    ),
    Endpoint(
        "items/<str:code>/versions/<int:number>/",
        "GET",
        lambda ctx, r: [f"/items/{ctx['item_code']}/versions/1/"],
        ALL,
    ),
    Endpoint("workbench/catalog/", "GET", one("/workbench/catalog/"), STAFF),
    Endpoint(
        "workbench/catalog/export.xlsx",
        "GET",
        one("/workbench/catalog/export.xlsx"),
        STAFF - {"supervisor"},
    ),
    Endpoint(
        "workbench/catalog/import/",
        "POST",
        one("/workbench/catalog/import/"),
        STAFF - {"supervisor"},
        ok=(302,),
    ),
    Endpoint(
        "workbench/catalog/items/<str:code>/edit/",
        "GET",
        lambda ctx, r: [f"/workbench/catalog/items/{ctx['item_code']}/edit/"],
        {"reviewer", "dept-admin"},
    ),
    Endpoint(
        "workbench/catalog/drafts/<int:pk>/",
        "GET",
        lambda ctx, r: [f"/workbench/catalog/drafts/{ctx['draft'].pk}/"],
        {"reviewer", "dept-admin", "supervisor", "admin"},
    ),
    Endpoint(
        "workbench/catalog/drafts/<int:pk>/<str:action>/",
        "POST",
        lambda ctx, r: [f"/workbench/catalog/drafts/{ctx['draft'].pk}/reject/"],
        STAFF,
        ok=(302,),
    ),
    Endpoint(
        "workbench/catalog/reports/<str:name>/",
        "GET",
        lambda ctx, r: [
            f"/workbench/catalog/reports/{n}/"
            for n in ("same-standard", "four-reductions", "online-availability", "consistency")
        ],
        BUREAU,
    ),
    # Cases: applicants upload; an application and its case (the enterprise's, for 市场监管)
    # are seen by the applicant, the unit's staff and the bureau; only the unit's staff act.
    Endpoint("api/v1/uploads", "POST", one("/api/v1/uploads"), APPLICANTS | WINDOW, ok=(201,)),
    # Without an Idempotency-Key nobody submits; submission is tested in cases/tests/test_api.py.
    Endpoint(
        "api/v1/applications", "POST", one("/api/v1/applications"), set(), data={"bundle": "birth"}
    ),
    Endpoint("api/v1/applications", "GET", one("/api/v1/applications?limit=100"), SIGNED_IN),
    Endpoint(
        "api/v1/applications/<application_id>",
        "GET",
        lambda ctx, r: [f"/api/v1/applications/{ctx['case'].application_id}"],
        CASE_READERS,
    ),
    Endpoint("api/v1/cases", "GET", one("/api/v1/cases?limit=100"), SIGNED_IN),
    Endpoint(
        "api/v1/cases",
        "GET",
        lambda ctx, r: [f"/api/v1/cases?q={ctx['case'].number}&warning=yellow&department=SCJG"],
        SIGNED_IN,
    ),
    Endpoint(
        "api/v1/cases/<case_id>",
        "GET",
        lambda ctx, r: [f"/api/v1/cases/{ctx['case'].pk}"],
        CASE_READERS,
    ),
    Endpoint(
        "api/v1/cases/<case_id>/<action>",
        "POST",
        lambda ctx, r: [f"/api/v1/cases/{ctx['case'].pk}/extend"],
        {"reviewer", "dept-admin"},
        data={"reason": "需要补充现场核查"},
    ),
    # Case pages. The ctx case was accepted by the reviewer, so it has an acceptance notice.
    Endpoint(
        "apply/item/<str:code>/",
        "GET",
        lambda ctx, r: [f"/apply/item/{ctx['case'].handling_item.code}/"],
        {"enterprise"} | WINDOW,  # window staff get the assisted-service start page
    ),
    Endpoint(
        "apply/bundle/<slug:slug>/",
        "GET",
        one(f"/apply/bundle/birth/?{BIRTH_ANSWERS}"),
        {"citizen"} | WINDOW,
    ),
    Endpoint("my/applications/", "GET", one("/my/applications/"), SIGNED_IN),
    Endpoint(
        "my/applications/<int:pk>/",
        "GET",
        lambda ctx, r: [f"/my/applications/{ctx['case'].application_id}/"],
        CASE_READERS,
    ),
    # Not in correction: whoever may see the case is told so (a redirect with the message).
    Endpoint(
        "my/cases/<int:pk>/resubmit/",
        "POST",
        lambda ctx, r: [f"/my/cases/{ctx['case'].pk}/resubmit/"],
        set(),
    ),
    Endpoint("cases/", "GET", one("/cases/"), STAFF | {"admin"}),
    Endpoint(
        "cases/<int:pk>/",
        "GET",
        lambda ctx, r: [f"/cases/{ctx['case'].pk}/"],
        {"reviewer", "dept-admin", "supervisor"},
    ),
    Endpoint(
        "cases/<int:pk>/act/<str:action>/",
        "POST",
        lambda ctx, r: [f"/cases/{ctx['case'].pk}/act/review/"],
        {"reviewer", "dept-admin"},
        ok=(302,),
    ),
    Endpoint("cases/verifications/<int:pk>/", "POST", one("/cases/verifications/0/"), set()),
    Endpoint(
        "cases/notices/<int:pk>.pdf",
        "GET",
        lambda ctx, r: [f"/cases/notices/{ctx['case'].notices.get(kind='acceptance').pk}.pdf"],
        CASE_READERS,
    ),
    Endpoint(
        "cases/uploads/<int:pk>/",
        "GET",
        lambda ctx, r: [f"/cases/uploads/{ctx['case'].application.uploads.get().pk}/"],
        CASE_READERS,
    ),
    # Ratings (好差评) and the 12345 hotline. ctx["rated_case"]: the enterprise's concluded case
    # of 区市场监管局, not yet rated, with ctx["rating_link"] (its SMS link); ctx["handling"]: a
    # negative hall rating of the reviewer's window (anonymous); ctx["ticket"]: a complaint
    # dispatched to 区市场监管局. Order matters: the link is read before the case is rated, the
    # caller's phone is asked for before the unit signs for the ticket.
    Endpoint("rate/<str:token>/", "GET", lambda ctx, r: [ctx["rating_link"]], ALL),
    Endpoint(
        "my/cases/<int:pk>/rate/",
        "GET",
        lambda ctx, r: [f"/my/cases/{ctx['rated_case'].pk}/rate/"],
        {"enterprise"},
    ),
    Endpoint(
        "api/v1/ratings",
        "POST",
        one("/api/v1/ratings"),
        WINDOW,
        data={"service_ref": "matrix-A001", "channel": "hall_tablet", "level": 5},
        ok=(201,),
    ),
    Endpoint(
        "my/cases/<int:pk>/rate/",
        "POST",
        lambda ctx, r: [f"/my/cases/{ctx['rated_case'].pk}/rate/"],
        {"enterprise"},
        data={"level": "5"},
        ok=(302,),
    ),
    Endpoint("ratings/", "GET", one("/ratings/"), STAFF),
    Endpoint("ratings/appeals/", "GET", one("/ratings/appeals/"), {"supervisor"}),
    Endpoint("ratings/invite/", "GET", one("/ratings/invite/"), STAFF),
    Endpoint(
        "ratings/<int:pk>/",
        "GET",
        lambda ctx, r: [f"/ratings/{ctx['handling'].pk}/"],
        {"reviewer", "dept-admin", "supervisor"},
    ),
    # Nobody sees the rater's phone: the rating is anonymous and not at its follow-up.
    Endpoint(
        "ratings/<int:pk>/call/",
        "POST",
        lambda ctx, r: [f"/ratings/{ctx['handling'].pk}/call/"],
        set(),
        data={"purpose": "差评回访"},
    ),
    Endpoint(
        "ratings/<int:pk>/act/<str:action>/",
        "POST",
        lambda ctx, r: [f"/ratings/{ctx['handling'].pk}/act/verify/"],
        {"reviewer", "dept-admin"},
        data={"upheld": "yes", "verification": "矩阵测试核实"},
        ok=(302,),
    ),
    Endpoint(
        "ratings/invite/<int:case_id>/",
        "POST",
        lambda ctx, r: [f"/ratings/invite/{ctx['rated_case'].pk}/"],
        {"reviewer", "dept-admin", "supervisor"},
        ok=(302,),
    ),
    Endpoint("hotline/", "GET", one("/hotline/"), STAFF),
    Endpoint(
        "hotline/",
        "POST",
        one("/hotline/"),
        {"supervisor"},
        data={
            "channel": "phone",
            "caller_phone": "13900000008",
            "category": "help",
            "text": "矩阵测试来电",
        },
        ok=(302,),
    ),
    Endpoint(
        "hotline/<int:pk>/",
        "GET",
        lambda ctx, r: [f"/hotline/{ctx['ticket'].pk}/"],
        {"reviewer", "dept-admin", "supervisor"},
    ),
    Endpoint(
        "hotline/<int:pk>/call/",
        "POST",
        lambda ctx, r: [f"/hotline/{ctx['ticket'].pk}/call/"],
        {"supervisor"},  # the unit only after signing for it
        data={"purpose": "工单回访"},
    ),
    Endpoint(
        "hotline/<int:pk>/act/<str:action>/",
        "POST",
        lambda ctx, r: [f"/hotline/{ctx['ticket'].pk}/act/sign/"],
        {"reviewer", "dept-admin"},
        ok=(302,),
    ),
    Endpoint("api/v1/ratings", "GET", one("/api/v1/ratings?limit=100"), SIGNED_IN),
    Endpoint(
        "api/v1/ratings",
        "GET",
        one("/api/v1/ratings?negative=true&department=SCJG&month=2026-09"),
        SIGNED_IN,
    ),
    Endpoint(
        "api/v1/ratings/<rating_id>",
        "GET",
        lambda ctx, r: [f"/api/v1/ratings/{ctx['handling'].rating_id}"],
        {"reviewer", "dept-admin", "supervisor"},
    ),
    Endpoint(
        "api/v1/negative-handlings/<handling_id>/<action>",
        "POST",
        lambda ctx, r: [f"/api/v1/negative-handlings/{ctx['handling'].pk}/appeal"],
        {"reviewer", "dept-admin"},
        data={"reason": "矩阵测试申诉"},
    ),
    Endpoint("api/v1/tickets", "GET", one("/api/v1/tickets?limit=100"), SIGNED_IN),
    Endpoint(
        "api/v1/tickets",
        "POST",
        one("/api/v1/tickets"),
        {"supervisor"},
        data={"caller_phone": "13900000009", "category": "help", "text": "矩阵测试来电"},
        ok=(201,),
    ),
    Endpoint(
        "api/v1/tickets/<ticket_id>",
        "GET",
        lambda ctx, r: [f"/api/v1/tickets/{ctx['ticket'].pk}"],
        {"reviewer", "dept-admin", "supervisor"},
    ),
    Endpoint(
        "api/v1/tickets/<ticket_id>/<action>",
        "POST",
        lambda ctx, r: [f"/api/v1/tickets/{ctx['ticket'].pk}/reassign"],
        {"supervisor"},
        data={"department": "GA", "reason": "矩阵测试改派"},
    ),
    # Work-plan indicators: the bureau's supervision function, supervisors only (their
    # drill-downs cross every unit of the district).
    Endpoint("api/v1/indicators", "GET", one("/api/v1/indicators?period=2026-10"), {"supervisor"}),
    Endpoint(
        "api/v1/indicators/<code>/drilldown",
        "GET",
        lambda ctx, r: [
            f"/api/v1/indicators/{code}/drilldown?period={ctx['case'].received_on:%Y-%m}"
            for code in ("monthly-level-coverage", "pre-review-timely", "good-rating-rate")
        ],
        {"supervisor"},
    ),
    Endpoint(
        "supervision/indicators/",
        "GET",
        one("/supervision/indicators/?period=2026-10"),
        {"supervisor"},
    ),
    Endpoint(
        "supervision/indicators/<str:code>/",
        "GET",
        lambda ctx, r: [
            "/supervision/indicators/monthly-level-coverage/?period=2026-10",
            f"/supervision/indicators/pre-review-timely/?period={ctx['case'].received_on:%Y-%m}"
            "&format=csv",
        ],
        {"supervisor"},
    ),
    # Supervision. Cards: the bureau and the carded unit (ctx["card"]: 区市场监管局's);
    # bulletins are published documents for every staff member; the dashboard is the bureau's.
    Endpoint(
        "supervision/dashboard/",
        "GET",
        lambda ctx, r: [
            "/supervision/dashboard/?period=2026-10",
            "/supervision/dashboard/?period=2026-10&mode=big",
            "/supervision/dashboard/?period=2026-10&format=csv&chart=cards",
        ],
        {"supervisor"},
    ),
    Endpoint("supervision/cards/", "GET", one("/supervision/cards/?month=2026-10"), {"supervisor"}),
    Endpoint(
        "supervision/cards/issue/",
        "POST",
        one("/supervision/cards/issue/"),
        {"supervisor"},
        data={"month": "2026-10"},
        ok=(302,),
    ),
    Endpoint("supervision/cards/mine/", "GET", one("/supervision/cards/mine/"), WINDOW),
    Endpoint(
        "supervision/cards/<int:pk>/respond/",
        "POST",
        lambda ctx, r: [f"/supervision/cards/{ctx['card'].pk}/respond/"],
        {"reviewer", "dept-admin"},
        data={"response": "矩阵测试回复"},
        ok=(302,),
    ),
    Endpoint("supervision/bulletins/", "GET", one("/supervision/bulletins/"), STAFF | {"admin"}),
    Endpoint(
        "supervision/bulletins/publish/",
        "POST",
        one("/supervision/bulletins/publish/"),
        {"supervisor"},
        data={"month": "2026-10"},
        ok=(302,),
    ),
    Endpoint(
        "supervision/bulletins/<str:month>.pdf",
        "GET",
        lambda ctx, r: [f"/supervision/bulletins/{ctx['bulletin'].month:%Y-%m}.pdf"],
        STAFF | {"admin"},
    ),
    Endpoint("api/v1/cards", "GET", one("/api/v1/cards?month=2026-10"), SIGNED_IN),
    Endpoint(
        "api/v1/cards/<card_id>/respond",
        "POST",
        lambda ctx, r: [f"/api/v1/cards/{ctx['card'].pk}/respond"],
        {"reviewer", "dept-admin"},
        data={"response": "矩阵测试回复"},
    ),
    # Last: the applicant withdraws (others are refused or do not see it).
    Endpoint(
        "my/applications/<int:pk>/withdraw/",
        "POST",
        lambda ctx, r: [f"/my/applications/{ctx['case'].application_id}/withdraw/"],
        {"enterprise"},
        ok=(302,),
    ),
]


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern) == "admin/":
                continue  # covered model by model in test_admin_pages_follow_visibility
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def test_every_url_has_a_matrix_entry():
    assert set(_routes(get_resolver().url_patterns)) == {e.route for e in ENDPOINTS}


def test_every_model_has_one_visibility_rule():
    from django.apps import apps

    for model in apps.get_models():
        if model.__module__.startswith("onething."):
            assert hasattr(model._default_manager, "visible_to"), model._meta.label


# --- Who may see what, written out from the access rules ----------------------------------


@pytest.fixture
def ctx(users):
    gtl = Region.objects.get(code="430112001")  # 高塘岭街道, the town of `town-clerk`
    in_town = Person.objects.filter(household_community__parent=gtl).order_by("id").first()
    elsewhere = Person.objects.exclude(household_community__parent=gtl).order_by("id").first()
    own_person = Person.objects.get(id_number=users["citizen"].id_number)
    rep = Person.objects.get(id_number=users["enterprise"].id_number)
    ent_in_town = Enterprise.objects.filter(town=gtl).order_by("id").first()
    ent_elsewhere = Enterprise.objects.exclude(town=gtl).order_by("id").first()
    own_ent = Enterprise.objects.get(credit_code=users["enterprise"].credit_code)
    # Canaries: rows only some roles may see, with text that is easy to look for.
    outsider = User.objects.create(
        username="canary-police",
        display_name="越界公安人员甲",
        role=Role.CLERK,
        department=Department.objects.get(code="GA"),
    )
    services.record_audit(
        actor=outsider, action="canary.read", kind="read", purpose="越界审计事由乙"
    )
    services.issue_api_token(user=users["admin"])
    message = notifications.notify(
        users["citizen"], title="越界消息丁", body="只有收件人本人可见", link="/my/"
    )
    item = catalog_services.publish_item(
        actor=None,
        data=copy.deepcopy(BASE_ITEM),
        implementer=catalog_services.implementer_for_department(
            Department.objects.get(code="SCJG")
        ),
    )
    draft_data = catalog_services.item_to_data(item)
    draft_data["name"] = "越界草稿丙"
    draft = catalog_services.save_draft(actor=users["reviewer"], item=item, data=draft_data)
    application, _ = cases_services.submit_application(
        actor=users["enterprise"],
        draft=cases_services.draft_for(
            users["enterprise"], handling_code=item.handling_items.get().code
        ),
        submission=cases_services.Submission(files={"备案申请表": [("表.pdf", b"%PDF-1.4 x")]}),
        idempotency_key="matrix",
    )
    case = cases_services.perform(
        case_id=application.cases.get().pk, action="accept", actor=users["reviewer"]
    )
    from onething.evaluation.services import hotline as hotline_services
    from onething.evaluation.services import issue_rating_link, rate_hall_service

    rated_application, _ = cases_services.submit_application(
        actor=users["enterprise"],
        draft=cases_services.draft_for(
            users["enterprise"], handling_code=item.handling_items.get().code
        ),
        submission=cases_services.Submission(files={"备案申请表": [("表.pdf", b"%PDF-1.4 y")]}),
        idempotency_key="matrix-rated",
    )
    rated_case = rated_application.cases.get()
    for action in ("accept", "approve"):  # approved, then delivered electronically: concluded
        rated_case = cases_services.perform(
            case_id=rated_case.pk, action=action, actor=users["reviewer"]
        )
    assert rated_case.state == "concluded"
    rating = rate_hall_service(
        users["reviewer"],
        service_ref="matrix-H001",
        window="市场监管窗口",
        clerk=users["reviewer"],
        level=2,
        reasons=["attitude"],
        text="越界差评戊",
    )
    ticket = hotline_services.intake_ticket(
        actor=users["supervisor"],
        channel="phone",
        caller_name="越界来电人",
        caller_phone="13900000007",
        category="complaint",
        text="越界工单己",
        department="SCJG",
    )
    import datetime as dt

    from django.utils import timezone

    from onething.supervision.bulletins import bulletin_context
    from onething.supervision.models import Bulletin, Card

    card = Card.objects.create(
        month=dt.date(2026, 10, 1),
        department=Department.objects.get(code="SCJG"),
        color="yellow",
        rule_code="cases_past_promised",
        rule_label="办件超过承诺时限",
        count=1,
        threshold=1,
        issued_at=timezone.now(),
        evidence=[
            {
                "ref": "越界红黄牌庚",
                "id": case.pk,
                "what": "",
                "due": "2026-10-15",
                "done_on": None,
                "late_days": 16,
                "late_working_days": 12,
            }
        ],
    )
    bulletin = Bulletin.objects.create(
        month=dt.date(2026, 9, 1),
        number="望审监〔2026〕9号",
        published_at=timezone.now(),
        context=bulletin_context(dt.date(2026, 9, 1)),
    )
    return {
        "card": card,
        "bulletin": bulletin,
        "rated_case": rated_case,
        "rating_link": issue_rating_link(rated_case),
        "handling": rating.handling,
        "ticket": ticket,
        "case": case,
        "message": message,
        "item_code": item.implementation_code,
        "draft": draft,
        "gtl": gtl,
        "people": [in_town, elsewhere, own_person, rep],
        "enterprises": [ent_in_town, ent_elsewhere, own_ent],
        "own_person": own_person,
        "rep": rep,
        "own_ent": own_ent,
    }


def expected_people(ctx, role, users):
    everyone = set(Person.objects.values_list("id_number", flat=True))
    if role in ("clerk", "reviewer", "dept-admin", "supervisor"):
        return everyone
    if role == "town-clerk":
        return set(
            Person.objects.filter(household_community__parent=ctx["gtl"]).values_list(
                "id_number", flat=True
            )
        )
    if role in ("citizen", "enterprise"):
        return {users[role].id_number}
    return set()


def expected_enterprises(ctx, role, users):
    everyone = set(Enterprise.objects.values_list("credit_code", flat=True))
    if role in ("clerk", "reviewer", "dept-admin", "supervisor"):
        return everyone
    if role == "town-clerk":
        return set(Enterprise.objects.filter(town=ctx["gtl"]).values_list("credit_code", flat=True))
    if role == "enterprise":
        return {users["enterprise"].credit_code}
    return set()


def forbidden_strings(ctx, role, users):
    """Text that must never appear in any answer to `role`."""
    people = expected_people(ctx, role, users)
    enterprises = expected_enterprises(ctx, role, users)
    strings = set()
    for person in Person.objects.all():
        if person.id_number not in people:
            strings.add(person.id_number)
    for enterprise in Enterprise.objects.all():
        if enterprise.credit_code not in enterprises:
            strings.add(enterprise.credit_code)
    if role not in ("supervisor", "admin"):
        strings.add("越界审计事由乙")
    if role not in ("supervisor", "admin"):
        strings.add("越界公安人员甲")
    if role not in ("reviewer", "dept-admin", "supervisor", "admin"):
        strings.add("越界草稿丙")
    if role != "citizen":
        strings.add("越界消息丁")
    if role not in ("reviewer", "dept-admin", "supervisor"):
        strings.add("越界差评戊")
        strings.add("越界工单己")
    if role not in ("reviewer", "dept-admin", "supervisor"):
        strings.add("越界红黄牌庚")
    if role != "supervisor":
        strings.add("13900000007")  # the caller's full phone: the bureau, on 拨打, only
    return strings


def client_for(role, client, users):
    if role != "anonymous":
        client.force_login(users[role])
    return client


def request(client, endpoint, url, index, ctx):
    """Send one request; returns the response and the text it may echo back from the input."""
    if endpoint.method == "GET":
        return client.get(url), set()
    if endpoint.method == "DELETE":
        return client.delete(url), set()
    data, echoed = endpoint.data, set()
    if endpoint.route == "workbench/registry/":
        # A person of 高塘岭 (in the town clerk's scope), then one from another town.
        target = ctx["people"][index]
        data = {"registry": "person", "number": target.id_number, "purpose": PURPOSE}
        echoed = {target.id_number}  # the form shows back what was typed
    if endpoint.route == "api/v1/uploads":
        data = {"file": SimpleUploadedFile("材料.pdf", b"%PDF-1.4 matrix")}
        return client.post(url, data), echoed
    if url.startswith("/api/"):
        return client.post(url, data, content_type="application/json"), echoed
    return client.post(url, data), echoed


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_only_its_scope_on_every_endpoint(role, client, users, ctx):
    client = client_for(role, client, users)
    forbidden = forbidden_strings(ctx, role, users)
    for endpoint in ENDPOINTS:
        for index, url in enumerate(endpoint.urls(ctx, role)):
            response, echoed = request(client, endpoint, url, index, ctx)
            if endpoint.route == "account/logout/" and role != "anonymous":
                client.force_login(users[role])
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode("utf-8", errors="replace")
            leaked = [s for s in forbidden - echoed if s in text]
            assert not leaked, f"{role} {endpoint.method} {url} leaked {leaked[:3]}"
            if role in endpoint.allowed:
                assert response.status_code in endpoint.ok, (role, url, response.status_code)
            else:
                assert response.status_code in (302, 401, 403, 404, 405, 422), (
                    role,
                    url,
                    response.status_code,
                )
                if role == "anonymous" and url.startswith("/api/") and endpoint.method == "GET":
                    assert response.status_code in (401, 404), (url, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_registry_lists_return_exactly_the_role_scope(role, client, users, ctx):
    client = client_for(role, client, users)
    people = client.get("/api/v1/registries/persons?limit=1")
    enterprises = client.get("/api/v1/registries/enterprises?limit=1")
    if role == "anonymous":
        assert people.status_code == enterprises.status_code == 401
        return
    assert people.json()["count"] == len(expected_people(ctx, role, users))
    assert enterprises.json()["count"] == len(expected_enterprises(ctx, role, users))


@pytest.mark.parametrize("role", ROLES)
def test_full_registry_records_answer_only_inside_the_scope(role, client, users, ctx):
    client = client_for(role, client, users)
    people = expected_people(ctx, role, users)
    for person in ctx["people"]:
        response = client.get(f"/api/v1/registries/persons/{person.id_number}?purpose={PURPOSE}")
        if role == "anonymous":
            assert response.status_code == 401
        elif person.id_number in people:
            assert response.status_code == 200 and response.json()["name"] == person.name
        else:
            assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_admin_pages_follow_visibility(role, client, users, ctx):
    client = client_for(role, client, users)
    for model in admin.site._registry:
        opts = model._meta
        url = f"/admin/{opts.app_label}/{opts.model_name}/"
        response = client.get(url)
        if role != "admin":
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
            continue
        assert response.status_code == 200, url
        manager = model._default_manager
        if model.__module__.startswith("onething."):
            rows = manager.visible_to(users["admin"])
        else:
            rows = manager.all()  # django-axes and django-otp records: administrators only
        assert response.context["cl"].result_count == rows.count()
        first = rows.first()
        if first is not None:
            assert client.get(f"{url}{first.pk}/change/").status_code == 200
    if role == "admin":
        assert client.get("/admin/").status_code == 200


def test_staff_reads_of_full_records_are_audited_with_their_purpose(client, users, ctx):
    client.force_login(users["clerk"])
    person = ctx["people"][1]
    before = AuditEntry.objects.filter(action="registries.person.read").count()
    client.get(f"/api/v1/registries/persons/{person.id_number}?purpose={PURPOSE}")
    entry = AuditEntry.objects.filter(action="registries.person.read").latest("id")
    assert AuditEntry.objects.filter(action="registries.person.read").count() == before + 1
    assert entry.purpose == PURPOSE and entry.object_id == str(person.pk)
    missing = client.get(f"/api/v1/registries/persons/{person.id_number}")
    assert missing.status_code == 422 and "purpose" in missing.json()["error"]["fields"]
    assert AuditEntry.objects.filter(action="registries.person.read").count() == before + 1
