"""A negative rating's handling: verify → rectify or explain → follow up (real-name) → close,
each on its deadline; appeals to the bureau; the rater's identity kept from the unit except on
the follow-up; concurrency."""

from __future__ import annotations

import pytest

from onething.cases.tests.factories import make_staff
from onething.core.errors import Conflict, NotAllowed, NotFound, ServiceError
from onething.core.models import AuditEntry, InboxMessage, Role
from onething.evaluation.models import NegativeHandling, Rating
from onething.evaluation.selectors import Reader
from onething.evaluation.services import handling as services
from onething.evaluation.services import reveal_rater_phone

from .conftest import RATED_ON, D, at, negative

pytestmark = pytest.mark.django_db
S = NegativeHandling.State


def act(handling, action, user, day=None, **data):
    return services.perform(
        handling_id=handling.pk, action=action, actor=user, data=data,
        now=at(day) if day else None,
    )  # fmt: skip


VERIFIED, RECTIFIED = D(2026, 10, 8), D(2026, 10, 20)


def verify(handling, user, day=VERIFIED, upheld="yes"):
    return act(handling, "verify", user, day, upheld=upheld, verification="调取录像，属实")


def rectify(handling, user, day=RECTIFIED, outcome="rectified"):
    return act(handling, "rectify", user, day, outcome=outcome, rectification="已约谈并培训")


def test_the_whole_timeline_of_a_real_name_negative_rating(handling, users):
    reviewer = users["reviewer"]
    reader = Reader(today=RATED_ON)
    assert reader.handling(handling).warning == "yellow"  # 1 working day to verify

    handling = verify(handling, reviewer, D(2026, 10, 8))
    assert handling.state == S.RECTIFYING and handling.upheld is True
    status = Reader(today=D(2026, 10, 8)).handling(handling)
    assert status.deadlines.verified_on_time is True
    assert status.deadlines.step == "整改或解释" and status.deadlines.step_due == D(2026, 10, 20)
    assert status.warning == "green"

    handling = rectify(handling, reviewer, D(2026, 10, 20))
    assert handling.state == S.FOLLOW_UP
    assert Reader(today=D(2026, 10, 20)).handling(handling).deadlines.rectified_on_time is True
    # The result goes back to the rater.
    assert InboxMessage.objects.filter(user=users["citizen"], title="您的评价已处理").exists()

    with pytest.raises(ServiceError) as raised:
        act(handling, "close", reviewer)
    assert "回访" in raised.value.message
    handling = act(handling, "follow-up", reviewer, D(2026, 10, 21), follow_up="电话回访，已致歉",
                   rater_satisfied="yes")  # fmt: skip
    assert handling.followed_up_at is not None and handling.rater_satisfied is True
    handling = act(handling, "close", reviewer, D(2026, 10, 21))
    assert handling.state == S.CLOSED
    assert Reader(today=D(2026, 10, 21)).handling(handling).warning == "done"
    actions = set(
        AuditEntry.objects.filter(object_type="evaluation.negativehandling").values_list(
            "action", flat=True
        )
    )
    assert {f"evaluation.negativehandling.{a}" for a in ("verify", "rectify", "follow-up",
                                                          "close")} <= actions  # fmt: skip


def test_late_verification_is_recorded_as_late_and_turns_red(handling, users):
    assert Reader(today=D(2026, 10, 9)).handling(handling).warning == "red"
    handling = verify(handling, users["reviewer"], D(2026, 10, 9))
    assert Reader(today=D(2026, 10, 9)).handling(handling).deadlines.verified_on_time is False


def test_an_anonymous_rating_closes_after_rectification_without_follow_up(concluded, users):
    handling = negative(concluded, users["citizen"], anonymous=True).handling
    verify(handling, users["reviewer"])
    handling = rectify(handling, users["reviewer"])
    allowed = {a.action for a in services.actions_for(handling, users["reviewer"])}
    assert "follow-up" not in allowed and "close" in allowed
    with pytest.raises(ServiceError):
        act(handling, "follow-up", users["reviewer"], follow_up="x", rater_satisfied="yes")
    assert act(handling, "close", users["reviewer"]).state == S.CLOSED


def test_a_rating_found_untrue_is_explained_not_rectified(handling, users):
    handling = verify(handling, users["reviewer"], upheld="no")
    with pytest.raises(ServiceError) as raised:
        rectify(handling, users["reviewer"], outcome="rectified")
    assert "解释说明" in raised.value.fields["outcome"]
    assert rectify(handling, users["reviewer"], outcome="explained").outcome == "explained"


def test_inputs_are_required_and_listed(handling, users):
    with pytest.raises(ServiceError) as raised:
        act(handling, "verify", users["reviewer"])
    assert set(raised.value.fields) == {"upheld", "verification"}


def test_steps_out_of_order_say_what_is_possible_now(handling, users):
    with pytest.raises(ServiceError) as raised:
        rectify(handling, users["reviewer"])
    assert raised.value.code == "action_not_allowed"
    assert "登记核实情况" in raised.value.message
    with pytest.raises(NotFound):
        act(handling, "approve", users["reviewer"])


def test_only_the_rated_unit_handles_and_only_the_bureau_decides_appeals(handling, users):
    police = make_staff("ga-reviewer-2", Role.REVIEWER, department="GA")
    with pytest.raises(NotFound):  # not even visible
        verify(handling, police)
    with pytest.raises(NotAllowed):  # the bureau sees it but does not handle it
        verify(handling, users["supervisor"])
    handling = act(handling, "appeal", users["dept-admin"], reason="评价人并未到窗口办理")
    with pytest.raises(NotAllowed):
        act(handling, "decide-appeal", users["dept-admin"], uphold="yes", decision="x")


def test_an_upheld_appeal_voids_the_rating(handling, users):
    verify(handling, users["reviewer"])
    handling = act(handling, "appeal", users["reviewer"], D(2026, 10, 9), reason="恶意差评")
    assert handling.state == S.APPEALED and handling.appeal_state_before == S.RECTIFYING
    assert Reader(today=D(2026, 10, 30)).handling(handling).warning == "paused"
    assert InboxMessage.objects.filter(user=users["supervisor"], title="差评申诉待核定").exists()
    handling = act(handling, "decide-appeal", users["supervisor"], uphold="yes",
                   decision="经核查，评价人与窗口存在私人纠纷")  # fmt: skip
    assert handling.state == S.VOIDED and handling.appeal_upheld is True
    rating = Rating.objects.get(pk=handling.rating_id)
    assert rating.status == Rating.Status.VOIDED
    assert not Rating.objects.filter(status=Rating.Status.VALID, pk=rating.pk).exists()
    # The unit is told.
    assert InboxMessage.objects.filter(user=users["reviewer"], title="差评申诉成立").exists()
    assert services.actions_for(handling, users["reviewer"]) == []


def test_a_rejected_appeal_resumes_where_it_was_with_the_same_dates(handling, users):
    verify(handling, users["reviewer"])
    act(handling, "appeal", users["reviewer"], reason="恶意差评")
    handling = act(handling, "decide-appeal", users["supervisor"], uphold="no",
                   decision="评价内容属实")  # fmt: skip
    assert handling.state == S.RECTIFYING and handling.appeal_upheld is False
    assert Rating.objects.get(pk=handling.rating_id).status == Rating.Status.VALID
    found = Reader(today=D(2026, 10, 21)).handling(handling)
    assert found.deadlines.step_due == D(2026, 10, 20) and found.warning == "red"
    assert InboxMessage.objects.filter(user=users["reviewer"], title="差评申诉不成立").exists()
    # One appeal per rating.
    assert "appeal" not in {a.action for a in services.actions_for(handling, users["reviewer"])}
    with pytest.raises(ServiceError):
        act(handling, "appeal", users["reviewer"], reason="再次申诉")


def test_an_appeal_needs_its_reason_and_not_after_closing(handling, users):
    with pytest.raises(ServiceError) as raised:
        act(handling, "appeal", users["reviewer"])
    assert "reason" in raised.value.fields
    verify(handling, users["reviewer"])
    rectify(handling, users["reviewer"])
    act(handling, "follow-up", users["reviewer"], follow_up="已回访", rater_satisfied="no")
    act(handling, "close", users["reviewer"])
    with pytest.raises(ServiceError):
        act(handling, "appeal", users["reviewer"], reason="晚了")


def test_of_two_people_acting_on_one_version_the_second_gets_a_conflict(handling, users):
    seen = handling.version
    services.perform(
        handling_id=handling.pk, action="verify", actor=users["reviewer"],
        data={"upheld": "yes", "verification": "属实"}, expected_version=seen,
    )  # fmt: skip
    with pytest.raises(Conflict) as raised:
        services.perform(handling_id=handling.pk, action="appeal", actor=users["dept-admin"],
                         data={"reason": "恶意"}, expected_version=seen)  # fmt: skip
    assert raised.value.status == 409 and "已被他人处理" in raised.value.message
    handling.refresh_from_db()
    assert handling.state == S.RECTIFYING and handling.appealed_at is None


def test_a_stale_read_loses_even_without_a_version_from_the_caller(handling, users, monkeypatch):
    stale = NegativeHandling.objects.get(pk=handling.pk)
    verify(handling, users["reviewer"])
    original = services._visible
    monkeypatch.setattr(services, "_visible", lambda user, pk: stale)
    with pytest.raises(Conflict):
        verify(stale, users["dept-admin"])
    monkeypatch.setattr(services, "_visible", original)
    assert NegativeHandling.objects.get(pk=handling.pk).version == stale.version + 1


# --- The rater's identity ---------------------------------------------------------------------


def test_the_unit_never_sees_the_rater_except_masked_on_the_follow_up(handling, users):
    reviewer, citizen = users["reviewer"], users["citizen"]
    assert services.rater_contact(handling, reviewer) is None
    handling = verify(handling, reviewer)
    assert services.rater_contact(handling, reviewer) is None
    handling = rectify(handling, reviewer)
    contact = services.rater_contact(handling, reviewer)
    assert contact is not None
    assert citizen.phone not in contact["phone"] and "****" in contact["phone"]
    assert contact["name"] != citizen.display_name and contact["name"][0] == citizen.display_name[0]
    act(handling, "follow-up", reviewer, follow_up="已回访", rater_satisfied="yes")
    handling.refresh_from_db()
    assert services.rater_contact(handling, reviewer) is None
    # The bureau sees it masked; an anonymous rating has nothing to show to anyone.
    assert services.rater_contact(handling, users["supervisor"])["phone"] == contact["phone"]


def test_calling_the_rater_reveals_the_phone_as_an_audited_read(handling, users):
    reviewer = users["reviewer"]
    with pytest.raises(NotAllowed):
        reveal_rater_phone(handling_id=handling.pk, actor=reviewer, purpose="差评回访")
    verify(handling, reviewer)
    handling = rectify(handling, reviewer)
    with pytest.raises(ServiceError):
        reveal_rater_phone(handling_id=handling.pk, actor=reviewer, purpose="")
    phone = reveal_rater_phone(handling_id=handling.pk, actor=reviewer, purpose="差评回访")
    assert phone == users["citizen"].phone
    entry = AuditEntry.objects.get(action="evaluation.rating.rater_phone")
    assert entry.kind == AuditEntry.Kind.READ and entry.purpose == "差评回访"
    assert entry.actor == reviewer and entry.object_id == str(handling.rating_id)
    with pytest.raises(NotAllowed):  # the bureau does not call on the unit's behalf
        reveal_rater_phone(handling_id=handling.pk, actor=users["supervisor"], purpose="核查")


def test_the_handling_page_and_api_show_no_identity_to_the_unit(handling, users, client):
    citizen = users["citizen"]
    client.force_login(users["reviewer"])
    secrets = [citizen.display_name, citizen.phone, citizen.id_number]
    for url in (f"/ratings/{handling.pk}/", "/ratings/", f"/api/v1/ratings/{handling.rating_id}",
                "/api/v1/ratings?negative=true"):  # fmt: skip
        body = client.get(url).content.decode()
        assert not [s for s in secrets if s in body], url
    page = client.get(f"/ratings/{handling.pk}/").content.decode()
    assert "实名评价（回访时显示联系方式）" in page
    verify(handling, users["reviewer"])
    rectify(handling, users["reviewer"])
    page = client.get(f"/ratings/{handling.pk}/").content.decode()
    assert citizen.phone[:3] + "****" + citizen.phone[7:] in page and citizen.phone not in page
    shown = client.post(f"/ratings/{handling.pk}/call/", {"purpose": "差评回访"})
    assert f"tel:{citizen.phone}" in shown.content.decode()
    assert AuditEntry.objects.filter(action="evaluation.rating.rater_phone").count() == 1
