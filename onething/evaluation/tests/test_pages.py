"""The rating and hotline pages: the applicant's form, the unit's workbench and handling page
with only the allowed step forms, the bureau's appeals, the hotline desk and a ticket."""

from __future__ import annotations

import re

import pytest

from onething.evaluation.models import NegativeHandling, Rating, Ticket

from .conftest import D, at, negative, ticket

pytestmark = pytest.mark.django_db


def forms_on(html: str) -> set[str]:
    """The actions the page's forms post to."""
    return set(re.findall(r"/(?:ratings|hotline)/\d+/act/([\w-]+)/", html))


def test_the_applicant_rates_from_their_application(client, users, concluded):
    client.force_login(users["citizen"])
    detail = client.get(f"/my/applications/{concluded.application_id}/").content.decode()
    assert f"/my/cases/{concluded.pk}/rate/" in detail
    form = client.get(f"/my/cases/{concluded.pk}/rate/")
    assert form.status_code == 200
    html = form.content.decode()
    for label in ("非常满意", "满意", "基本满意", "不满意", "非常不满意", "乱收费或收费不合理"):
        assert label in html
    wrong = client.post(f"/my/cases/{concluded.pk}/rate/", {"level": "1", "text": ""})
    assert wrong.status_code == 422
    html = wrong.content.decode()
    assert "差评须选择原因并填写具体情况" in html and 'href="#text"' in html
    done = client.post(f"/my/cases/{concluded.pk}/rate/", {"level": "4", "text": "很快"})
    assert done.status_code == 302
    assert Rating.objects.get().channel == "web"
    detail = client.get(f"/my/applications/{concluded.application_id}/").content.decode()
    assert "您的评价：<strong>满意</strong>" in detail
    again = client.get(f"/my/cases/{concluded.pk}/rate/").content.decode()
    assert "每个办件只能网上评价一次" in again


def test_a_running_case_cannot_be_rated_yet(client, users, running):
    client.force_login(users["citizen"])
    detail = client.get(f"/my/applications/{running.application_id}/").content.decode()
    assert "/rate/" not in detail
    assert client.get(f"/my/cases/{running.pk}/rate/").status_code == 422
    client.force_login(users["reviewer"])
    assert client.get(f"/my/cases/{running.pk}/rate/").status_code == 403


def test_the_workbench_orders_by_urgency_with_badges(client, users, concluded, refused):
    late = negative(concluded, users["citizen"]).handling  # 2026-09-30: long overdue
    from django.utils import timezone

    fresh = negative(refused, users["citizen"], now=timezone.now()).handling
    client.force_login(users["reviewer"])
    html = client.get("/ratings/").content.decode()
    assert html.index(f"/ratings/{late.pk}/") < html.index(f"/ratings/{fresh.pk}/")
    assert "已超期" in html and "即将到期" in html
    only_red = client.get("/ratings/?warning=red").content.decode()
    assert f"/ratings/{late.pk}/" in only_red and f"/ratings/{fresh.pk}/" not in only_red


def test_the_handling_page_offers_only_the_allowed_step(client, users, handling):
    client.force_login(users["reviewer"])
    url = f"/ratings/{handling.pk}/"
    assert forms_on(client.get(url).content.decode()) == {"verify", "appeal"}
    failed = client.post(f"{url}act/verify/", {"version": handling.version})
    assert failed.status_code == 422
    html = failed.content.decode()
    assert 'href="#upheld-yes"' in html and 'href="#verify-verification"' in html
    done = client.post(
        f"{url}act/verify/",
        {"version": handling.version, "upheld": "yes", "verification": "属实"},
    )
    assert done.status_code == 302
    assert forms_on(client.get(url).content.decode()) == {"rectify", "appeal"}
    stale = client.post(f"{url}act/appeal/", {"version": handling.version, "reason": "x"})
    assert stale.status_code == 302
    assert NegativeHandling.objects.get(pk=handling.pk).state == "rectifying"
    client.post(f"{url}act/rectify/", {"outcome": "rectified", "rectification": "已整改"})
    html = client.get(url).content.decode()
    assert forms_on(html) == {"follow-up", "appeal"}
    assert "/call/" in html
    client.post(f"{url}act/follow-up/", {"follow_up": "已回访", "rater_satisfied": "yes"})
    assert forms_on(client.get(url).content.decode()) == {"close", "appeal"}
    client.post(f"{url}act/close/", {})
    assert forms_on(client.get(url).content.decode()) == set()
    # The bureau sees the page with no step form of the unit's.
    client.force_login(users["supervisor"])
    assert forms_on(client.get(url).content.decode()) == set()


def test_the_bureau_decides_appeals_from_its_list(client, users, handling):
    client.force_login(users["dept-admin"])
    client.post(f"/ratings/{handling.pk}/act/appeal/", {"reason": "评价人未办理过业务"})
    client.force_login(users["supervisor"])
    listing = client.get("/ratings/appeals/").content.decode()
    assert "评价人未办理过业务" in listing and f"/ratings/{handling.pk}/" in listing
    page = client.get(f"/ratings/{handling.pk}/").content.decode()
    assert forms_on(page) == {"decide-appeal"}
    response = client.post(
        f"/ratings/{handling.pk}/act/decide-appeal/", {"uphold": "no", "decision": "属实"}
    )
    assert response.status_code == 302 and response["Location"] == "/ratings/appeals/"
    assert NegativeHandling.objects.get(pk=handling.pk).state == "verifying"


def test_the_hotline_desk_takes_in_and_dispatches(client, users):
    client.force_login(users["supervisor"])
    page = client.get("/hotline/").content.decode()
    assert "登记工单" in page and "区市场监管局" in page and "高塘岭街道" in page
    bad = client.post("/hotline/", {"channel": "phone", "caller_phone": "12", "text": ""})
    assert bad.status_code == 422
    html = bad.content.decode()
    assert 'href="#intake-caller_phone"' in html and 'href="#intake-category"' in html
    good = client.post("/hotline/", {
        "channel": "phone", "caller_name": "孙八", "caller_phone": "13911112222",
        "category": "consultation", "text": "如何办理个体户年报", "unit": "department:SCJG",
    })  # fmt: skip
    created = Ticket.objects.get()
    assert good.status_code == 302 and good["Location"] == f"/hotline/{created.pk}/"
    assert created.state == "dispatched" and created.department.code == "SCJG"
    # A unit sees its tickets without the intake form; posting one is refused.
    client.force_login(users["reviewer"])
    page = client.get("/hotline/").content.decode()
    assert created.number in page and "登记工单" not in page
    assert client.post("/hotline/", {"text": "x"}).status_code == 403


def test_the_ticket_page_offers_the_allowed_actions(client, users):
    t = ticket(users, now=at(D(2026, 9, 30)))
    url = f"/hotline/{t.pk}/"
    client.force_login(users["reviewer"])
    html = client.get(url).content.decode()
    assert forms_on(html) == {"sign", "return"}
    assert "13907310001" not in html and "139****0001" in html
    client.post(f"{url}act/sign/", {"version": t.version})
    failed = client.post(f"{url}act/reply/", {})
    assert failed.status_code == 422 and 'href="#reply-reply"' in failed.content.decode()
    client.post(f"{url}act/reply/", {"reply": "已答复"})
    assert forms_on(client.get(url).content.decode()) == set()
    client.force_login(users["supervisor"])
    assert forms_on(client.get(url).content.decode()) == {"visit"}
    client.post(f"{url}act/visit/", {"visit_result": "满意", "level": "5"})
    client.post(f"{url}act/close/", {})
    t.refresh_from_db()
    assert t.state == "closed" and t.satisfaction == 5
    shown = client.post(f"{url}call/", {"purpose": "工单回访"}).content.decode()
    assert "tel:13907310001" in shown


def test_a_returned_ticket_sends_the_unit_back_to_its_list(client, users):
    t = ticket(users)
    client.force_login(users["reviewer"])
    response = client.post(f"/hotline/{t.pk}/act/return/", {"reason": "不属于本单位"})
    assert response.status_code == 302 and response["Location"] == "/hotline/"


def test_workbench_tiles(client, users):
    client.force_login(users["reviewer"])
    html = client.get("/workbench/").content.decode()
    assert 'href="/ratings/"' in html and 'href="/hotline/"' in html
    client.force_login(users["admin"])
    html = client.get("/workbench/").content.decode()
    assert 'href="/ratings/"' not in html
