"""Recording ratings: on concluded or refused cases only, once online per case, once per hall
service, once per ticket; what a rating links; negative ratings need a reason and open their
handling with the limits in force at that moment."""

from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.utils import timezone

from onething.cases.tests.factories import make_staff
from onething.core.errors import Conflict, NotAllowed, NotFound, ServiceError
from onething.core.models import AuditEntry, InboxMessage, Role
from onething.core.settings_service import change_setting
from onething.evaluation.models import NegativeHandling, Rating
from onething.evaluation.selectors import Reader
from onething.evaluation.services import rate_case, rate_hall_service

from .conftest import RATED_ON, D, at, negative

pytestmark = pytest.mark.django_db


def test_a_rating_links_case_item_version_unit_clerk_channel_and_region(concluded, users):
    rating = rate_case(users["citizen"], concluded, level=5, channel="web")
    assert rating.subject == Rating.Subject.CASE
    assert rating.case == concluded
    assert rating.item_id == concluded.item_id
    assert rating.item_version_id == concluded.item_version_id
    assert rating.department.code == "SCJG" and rating.town is None
    assert rating.clerk == users["reviewer"]  # who accepted the case
    assert rating.channel == "web"
    assert rating.region_code == "430112000000"
    assert len(rating.region_code) == 12
    assert rating.rater_user == users["citizen"] and rating.real_name
    assert not hasattr(rating, "handling") or not NegativeHandling.objects.filter(rating=rating)
    assert AuditEntry.objects.filter(action="evaluation.rating.create", object_id=str(rating.pk))


def test_a_town_case_carries_the_towns_12_digit_code(users):
    from onething.cases.tests.factories import ELDERLY_GAOTANGLING, act, only_case, submit

    case = only_case(submit(users["citizen"], code=ELDERLY_GAOTANGLING))
    case = act(case, "accept", users["town-clerk"], timezone.localdate())
    if case.state != "concluded":
        case = act(case, "approve", users["town-clerk"], timezone.localdate())
    case.refresh_from_db()
    if case.state != "concluded":
        case = act(case, "deliver", users["town-clerk"], timezone.localdate(), method="pickup")
    rating = rate_case(users["citizen"], case, level=4, channel="app")
    assert rating.town.name == "高塘岭街道" and rating.department is None
    assert rating.region_code == rating.town.code.ljust(12, "0")
    assert rating.clerk == users["town-clerk"]


def test_a_refused_case_may_be_rated(refused, users):
    assert rate_case(users["citizen"], refused, level=3, channel="web").case == refused


def test_only_concluded_or_refused_cases_are_rated(running, users):
    with pytest.raises(ServiceError) as raised:
        rate_case(users["citizen"], running, level=5, channel="web")
    assert "办结或不予受理后才能评价" in raised.value.message
    assert not Rating.objects.exists()


def test_online_once_per_case(concluded, users):
    rate_case(users["citizen"], concluded, level=5, channel="web")
    with pytest.raises(Conflict) as raised:
        rate_case(users["citizen"], concluded, level=1, channel="app", reasons=["other"], text="x")
    assert raised.value.message == "该办件已评价" and raised.value.status == 409
    assert Rating.objects.count() == 1


def test_the_database_refuses_a_second_online_rating_even_past_the_check(concluded, users):
    first = rate_case(users["citizen"], concluded, level=5, channel="web")
    second = Rating(**{f.name: getattr(first, f.name) for f in Rating._meta.concrete_fields})
    second.pk, second.channel = None, "sms"
    with pytest.raises(IntegrityError):
        second.save()


def test_the_duplicate_check_race_answers_409_not_500(concluded, users, monkeypatch):
    rate_case(users["citizen"], concluded, level=5, channel="web")
    # As if the other request's rating were written between our check and our insert.
    monkeypatch.setattr(
        "onething.evaluation.services.ratings.Case.ratings", _NoRatings(), raising=False
    )
    with pytest.raises(Conflict) as raised:
        rate_case(users["citizen"], concluded, level=4, channel="web")
    assert raised.value.message == "该办件已评价"


class _NoRatings:
    """A `case.ratings` that says there is none yet."""

    def __get__(self, case, owner=None):
        return self

    def filter(self, **kwargs):
        return self

    def online_case_ratings(self):
        return self

    def exists(self):
        return False


def test_only_the_applicant_rates_their_case(concluded, users):
    with pytest.raises(NotAllowed):
        rate_case(users["reviewer"], concluded, level=5, channel="web")
    with pytest.raises(NotFound):
        rate_case(users["enterprise"], concluded, level=5, channel="web")
    with pytest.raises(NotAllowed):
        rate_case(None, concluded, level=5, channel="web")  # without a link: no


@pytest.mark.parametrize(
    ("reasons", "text", "field"),
    [([], "态度差", "reasons"), (["attitude"], "", "text"), ([], "", "reasons")],
)
def test_a_negative_rating_needs_a_reason_and_its_text(concluded, users, reasons, text, field):
    with pytest.raises(ServiceError) as raised:
        rate_case(users["citizen"], concluded, level=1, channel="web", reasons=reasons, text=text)
    assert raised.value.message == "差评须选择原因并填写具体情况"
    assert field in raised.value.fields
    assert not Rating.objects.exists()


def test_unknown_reasons_and_levels_are_refused(concluded, users):
    with pytest.raises(ServiceError) as raised:
        rate_case(users["citizen"], concluded, level=2, channel="web", reasons=["x"], text="y")
    assert "reasons" in raised.value.fields
    with pytest.raises(ServiceError) as raised:
        rate_case(users["citizen"], concluded, level=6, channel="web")
    assert "level" in raised.value.fields


def test_a_positive_rating_keeps_no_reasons(concluded, users):
    rating = rate_case(
        users["citizen"], concluded, level=4, channel="web", reasons=["attitude"], text="还行"
    )
    assert rating.reasons == [] and rating.text == "还行"


def test_a_negative_rating_opens_its_handling_with_the_limits_in_force(concluded, users):
    rating = negative(concluded, users["citizen"])
    handling = rating.handling
    assert handling.state == NegativeHandling.State.VERIFYING
    assert handling.opened_on == RATED_ON
    assert (handling.verify_days, handling.rectify_days) == (1, 10)
    # The unit's administrator is told (without the rater's identity).
    message = InboxMessage.objects.get(user=users["dept-admin"])
    assert "差评" in message.title and users["citizen"].display_name not in message.body


def test_a_later_change_of_the_setting_does_not_move_old_deadlines(concluded, refused, users):
    old = negative(concluded, users["citizen"], now=at(RATED_ON)).handling
    change_setting(actor=users["supervisor"], key="ratings.verify_days", value=3, source="测试依据")
    change_setting(
        actor=users["supervisor"], key="ratings.rectify_days", value=5, source="测试依据"
    )
    new = negative(refused, users["citizen"], now=timezone.now()).handling
    assert (old.verify_days, old.rectify_days) == (1, 10)
    assert (new.verify_days, new.rectify_days) == (3, 5)
    old.refresh_from_db()
    found = Reader(today=RATED_ON).handling(old).deadlines
    assert (found.verify_due, found.rectify_due) == (D(2026, 10, 8), D(2026, 10, 20))


def test_anonymous_ratings_keep_no_name_or_phone(concluded, users):
    rating = negative(concluded, users["citizen"], anonymous=True)
    assert not rating.real_name and rating.rater_name == rating.rater_phone == ""
    assert rating.masked_rater == "匿名"


# --- Hall services ------------------------------------------------------------------------------


def test_on_site_once_per_service(users):
    clerk = users["clerk"]
    rating = rate_hall_service(
        clerk, service_ref="A017-20260930", window="3号综合窗口", clerk=clerk, level=5
    )
    assert rating.subject == "hall" and rating.department.code == "XZSP"
    assert rating.channel == "hall_tablet" and rating.region_code == "430112000000"
    with pytest.raises(Conflict) as raised:
        rate_hall_service(clerk, service_ref="A017-20260930", clerk=clerk, level=4)
    assert raised.value.message == "该次服务已评价"
    other = rate_hall_service(clerk, service_ref="A018-20260930", clerk=clerk, level=4)
    assert other.pk != rating.pk


def test_a_hall_rating_is_real_name_only_with_a_phone(users):
    clerk = users["clerk"]
    anonymous = rate_hall_service(
        clerk, service_ref="B1", clerk=clerk, level=2, reasons=["efficiency"], text="排队久"
    )
    named = rate_hall_service(
        clerk, service_ref="B2", clerk=clerk, level=1, reasons=["attitude"], text="不耐烦",
        rater_name="赵六", rater_phone="13800001111", channel="terminal",
    )  # fmt: skip
    assert not anonymous.real_name and named.real_name
    assert anonymous.handling.state == named.handling.state == "verifying"


def test_hall_ratings_are_recorded_only_for_ones_own_unit(users):
    police = make_staff("ga-clerk", Role.CLERK, department="GA")
    with pytest.raises(NotAllowed):
        rate_hall_service(police, service_ref="C1", clerk=users["clerk"], level=5)
    with pytest.raises(NotAllowed):
        rate_hall_service(users["citizen"], service_ref="C1", clerk=users["clerk"], level=5)
    with pytest.raises(ServiceError) as raised:
        rate_hall_service(users["clerk"], service_ref="", clerk=users["clerk"], level=5,
                          channel="web")  # fmt: skip
    assert {"service_ref", "channel"} <= set(raised.value.fields)
    # The bureau runs the hall and may record for any window.
    assert rate_hall_service(users["supervisor"], service_ref="C2", clerk=police, level=5)
