"""Who sees which ratings, handlings and tickets — written out from the access rules, checked
against `visible_to`, the pages and the API lists."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from onething.core.models import Region
from onething.evaluation.models import NegativeHandling, Rating, RatingLink, Ticket, TicketEvent
from onething.evaluation.services import hotline, rate_hall_service

from .conftest import negative, ticket

pytestmark = pytest.mark.django_db
ROLES = ["anonymous", "citizen", "enterprise", "clerk", "reviewer", "dept-admin", "town-clerk",
         "supervisor", "admin"]  # fmt: skip


@pytest.fixture
def world(concluded, users):
    case_rating = negative(concluded, users["citizen"])
    hall = rate_hall_service(
        users["clerk"], service_ref="H1", clerk=users["clerk"], level=1, reasons=["attitude"],
        text="不耐烦",
    )  # fmt: skip
    gtl = Region.objects.get(name="高塘岭街道", level="town", valid_to__isnull=True)
    scjg_ticket = ticket(users)
    town_ticket = hotline.intake_ticket(
        actor=users["supervisor"], channel="wechat", caller_phone=users["citizen"].phone,
        caller_name="市民", category="help", text="路灯坏了", town=gtl.code,
    )  # fmt: skip
    assert RatingLink.objects.filter(case=concluded).count() == 1  # sent as it concluded
    return {
        "case_rating": case_rating,
        "hall": hall,
        "scjg_ticket": scjg_ticket,
        "town_ticket": town_ticket,
    }


def expected(world, role):
    ratings = {
        "citizen": {"case_rating"},
        "clerk": {"hall"},
        "reviewer": {"case_rating"},
        "dept-admin": {"case_rating"},
        "supervisor": {"case_rating", "hall"},
    }.get(role, set())
    tickets = {
        "citizen": {"town_ticket"},  # called in with the phone of the citizen's account
        "reviewer": {"scjg_ticket"},
        "dept-admin": {"scjg_ticket"},
        "town-clerk": {"town_ticket"},
        "supervisor": {"scjg_ticket", "town_ticket"},
    }.get(role, set())
    return {world[k].pk for k in ratings}, {world[k].pk for k in tickets}


def _user(users, role):
    return AnonymousUser() if role == "anonymous" else users[role]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_its_ratings_handlings_and_tickets(role, users, world):
    user = _user(users, role)
    ratings, tickets = expected(world, role)
    assert set(Rating.objects.visible_to(user).values_list("pk", flat=True)) == ratings
    assert (
        set(NegativeHandling.objects.visible_to(user).values_list("rating_id", flat=True))
        == ratings
    )
    assert set(Ticket.objects.visible_to(user).values_list("pk", flat=True)) == tickets
    assert set(TicketEvent.objects.visible_to(user).values_list("ticket_id", flat=True)) == tickets
    links = RatingLink.objects.visible_to(user).count()
    assert links == (1 if role == "supervisor" else 0)


@pytest.mark.parametrize("role", ROLES)
def test_the_api_lists_return_exactly_the_role_scope(role, users, world, client):
    if role != "anonymous":
        client.force_login(users[role])
    ratings, tickets = expected(world, role)
    listed = client.get("/api/v1/ratings?limit=100")
    found = client.get("/api/v1/tickets?limit=100")
    if role == "anonymous":
        assert listed.status_code == found.status_code == 401
        return
    assert {r["id"] for r in listed.json()["results"]} == ratings
    assert {t["id"] for t in found.json()["results"]} == tickets
    for pk in {world["case_rating"].pk, world["hall"].pk}:
        code = client.get(f"/api/v1/ratings/{pk}").status_code
        assert code == (200 if pk in ratings else 404), (role, pk)


PAGES = {
    "/ratings/": {"clerk", "reviewer", "dept-admin", "town-clerk", "supervisor"},
    "/ratings/appeals/": {"supervisor"},
    "/ratings/invite/": {"clerk", "reviewer", "dept-admin", "town-clerk", "supervisor"},
    "/hotline/": {"clerk", "reviewer", "dept-admin", "town-clerk", "supervisor"},
}


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(role, users, world, client):
    if role != "anonymous":
        client.force_login(users[role])
    for url, allowed in PAGES.items():
        code = client.get(url).status_code
        if role in allowed:
            assert code == 200, (role, url)
        else:
            assert code in (302, 403), (role, url, code)
    _, tickets = expected(world, role)
    handling = world["case_rating"].handling
    code = client.get(f"/ratings/{handling.pk}/").status_code
    if role in ("reviewer", "dept-admin", "supervisor"):
        assert code == 200
    else:
        assert code in (302, 403, 404)
    code = client.get(f"/hotline/{world['scjg_ticket'].pk}/").status_code
    assert code == 200 if world["scjg_ticket"].pk in tickets else code in (302, 403, 404)


def test_the_unit_list_page_never_shows_a_rater(users, world, client):
    client.force_login(users["supervisor"])
    page = client.get("/ratings/").content.decode()
    assert users["citizen"].phone not in page and users["citizen"].display_name not in page
    desk = client.get("/hotline/").content.decode()
    assert users["citizen"].phone not in desk
