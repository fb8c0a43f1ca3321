"""Rating links: signed, single use, expiring; the public page works without signing in; staff
send them by SMS."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading

import pytest
from django.core import signing
from django.db import connection
from django.utils import timezone

from onething.core.errors import Conflict, NotAllowed, NotFound, ServiceError
from onething.core.models import AuditEntry, InboxMessage, OutboxMessage
from onething.evaluation.models import Rating, RatingLink
from onething.evaluation.services import issue_rating_link, rate_by_link, send_rating_sms
from onething.evaluation.services import links as link_services

pytestmark = pytest.mark.django_db


def token_of(path: str) -> str:
    return path.removeprefix("/rate/").removesuffix("/")


def test_a_link_is_signed_and_only_the_nonce_hash_is_stored(concluded):
    path = issue_rating_link(concluded)
    token = token_of(path)
    data = signing.loads(token, salt=link_services.LINK_SALT)
    link = RatingLink.objects.get(nonce_hash=hashlib.sha256(data["n"].encode()).hexdigest())
    assert data["c"] == concluded.pk
    assert link.nonce_hash == hashlib.sha256(data["n"].encode()).hexdigest()
    assert data["n"] not in link.nonce_hash
    lifetime = link.expires_at - link.created_at
    assert abs(lifetime - dt.timedelta(days=30)) < dt.timedelta(minutes=1)


def test_no_link_for_a_case_still_running(running):
    with pytest.raises(ServiceError):
        issue_rating_link(running)


def test_a_link_rates_once_as_sms_and_is_then_used(concluded, users):
    token = token_of(issue_rating_link(concluded))
    rating = rate_by_link(token, level=2, reasons=["efficiency"], text="等了很久")
    assert rating.channel == "sms" and rating.case == concluded
    assert rating.rater_user == users["citizen"] and rating.real_name
    assert rating.handling.state == "verifying"
    assert link_services.link_for(token).used_at is not None
    with pytest.raises(link_services.LinkGone) as raised:
        rate_by_link(token, level=5)
    assert raised.value.message == "该评价链接已使用" and raised.value.status == 410
    assert Rating.objects.count() == 1


def test_an_expired_link_is_refused(concluded):
    token = token_of(issue_rating_link(concluded, now=timezone.now() - dt.timedelta(days=31)))
    with pytest.raises(link_services.LinkGone) as raised:
        rate_by_link(token, level=5)
    assert raised.value.message == "该评价链接已过期"
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # the signature
        lambda t: signing.dumps({"c": 1, "n": "guessed"}, salt="another-salt"),
        lambda t: signing.dumps({"c": 1, "n": "guessed"}, salt=link_services.LINK_SALT),
        lambda t: "not-a-token",
    ],
)
def test_a_tampered_or_made_up_link_is_not_found(concluded, mangle):
    token = token_of(issue_rating_link(concluded))
    with pytest.raises(NotFound):
        rate_by_link(mangle(token), level=5)


def test_a_refused_rating_leaves_the_link_usable(concluded):
    token = token_of(issue_rating_link(concluded))
    with pytest.raises(ServiceError):
        rate_by_link(token, level=1)  # a negative rating without reason
    assert link_services.link_for(token).used_at is None
    assert rate_by_link(token, level=1, reasons=["other"], text="不方便").level == 1


def test_of_two_submissions_racing_on_one_link_exactly_one_wins(concluded, monkeypatch):
    """Both requests read the link while it was unused; the conditional UPDATE lets one through.
    (The second request is simulated by reading the link before the first one writes.)"""
    token = token_of(issue_rating_link(concluded))
    stale = link_services.link_for(token)
    assert stale.used_at is None
    first = rate_by_link(token, level=4)
    monkeypatch.setattr(link_services, "link_for", lambda t: stale)  # read before the first wrote
    with pytest.raises(link_services.LinkGone) as raised:
        rate_by_link(token, level=1, reasons=["other"], text="第二次")
    assert raised.value.message == "该评价链接已使用"
    assert list(Rating.objects.values_list("pk", flat=True)) == [first.pk]


def test_another_channel_rating_first_makes_the_link_useless(concluded, users):
    from onething.evaluation.services import rate_case

    token = token_of(issue_rating_link(concluded))
    rate_case(users["citizen"], concluded, level=5, channel="web")
    with pytest.raises(Conflict) as raised:
        rate_by_link(token, level=4)
    assert raised.value.message == "该办件已评价"
    assert link_services.link_for(token).used_at is None  # rolled back with the refused rating


# --- The public page ----------------------------------------------------------------------------


def test_the_public_page_rates_without_signing_in(concluded, client):
    path = issue_rating_link(concluded)
    page = client.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert concluded.number in text and "非常不满意" in text and "服务态度差" in text
    assert concluded.application.applicant_name not in text
    empty = client.post(path, {"level": "2"})
    assert empty.status_code == 422
    assert "差评须选择原因并填写具体情况" in empty.content.decode()
    assert 'href="#reason-attitude"' in empty.content.decode()
    done = client.post(path, {"level": "2", "reasons": ["attitude", "overdue"], "text": "很慢"})
    assert done.status_code == 200 and "感谢您的评价" in done.content.decode()
    rating = Rating.objects.get()
    assert rating.reasons == ["attitude", "overdue"] and rating.channel == "sms"
    again = client.get(path)
    assert again.status_code == 410 and "该评价链接已使用" in again.content.decode()
    assert client.post(path, {"level": "5"}).status_code == 410


def test_the_public_page_tells_expired_and_404s_on_tampering(concluded, client):
    path = issue_rating_link(concluded, now=timezone.now() - dt.timedelta(days=40))
    expired = client.get(path)
    assert expired.status_code == 410 and "该评价链接已过期" in expired.content.decode()
    assert client.get(path[:-3] + "xx/").status_code == 404
    assert client.get("/rate/abc/").status_code == 404


# --- 发送评价短信 -------------------------------------------------------------------------------


def test_the_unit_sends_a_rating_sms_to_the_applicant(concluded, users):
    recipient = send_rating_sms(case_id=concluded.pk, actor=users["reviewer"])
    assert recipient == users["citizen"]
    message = InboxMessage.objects.filter(user=users["citizen"], title__startswith="请评价").latest(
        "pk"
    )
    assert message.link.startswith("/rate/")
    sms = OutboxMessage.objects.filter(user=users["citizen"], channel="sms").latest("pk")
    assert message.link in sms.body and "30日内有效" in sms.body
    sent = AuditEntry.objects.filter(action="evaluation.ratinglink.send").latest("pk")
    assert sent.actor == users["reviewer"] and sent.after["sent_by"] == "staff"
    assert rate_by_link(token_of(message.link), level=5).channel == "sms"


# --- Sent by the platform as a case ends -----------------------------------------------------


def sent_links(user):
    return list(InboxMessage.objects.filter(user=user, title__startswith="请评价").order_by("pk"))


def test_a_concluded_case_sends_its_rating_sms_by_itself(concluded, users):
    [message] = sent_links(users["citizen"])
    assert message.title == f"请评价办件 {concluded.number}"
    assert "已办结" in message.body and "30日内有效，仅可使用一次" in message.body
    sms = OutboxMessage.objects.get(user=users["citizen"], channel="sms", subject=message.title)
    assert message.link in sms.body
    link = link_services.link_for(token_of(message.link))
    assert link.case == concluded and link.created_at == concluded.concluded_at
    entry = AuditEntry.objects.filter(action="evaluation.ratinglink.send").get()
    assert entry.actor is None and entry.after["sent_by"] == "system"
    rating = rate_by_link(token_of(message.link), level=4)
    assert rating.channel == "sms" and rating.rater_user == users["citizen"]


def test_a_refused_case_sends_it_too_and_a_running_one_does_not(refused, running, users):
    [message] = sent_links(users["citizen"])
    assert message.title == f"请评价办件 {refused.number}"
    assert "不予受理" in message.body
    assert not RatingLink.objects.filter(case=running).exists()


def test_no_rating_sms_when_the_applicant_has_no_account(users):
    """A window clerk submits for a resident who has no account: nothing to send it to (they
    can rate on the hall's tablet)."""
    from onething.cases.tests.factories import ANNUAL_REPORT, act, only_case, submit
    from onething.core.models import User
    from onething.registries.models import Person

    stranger = (
        Person.objects.exclude(id_number__in=User.objects.values("id_number"))
        .filter(death_date__isnull=True)
        .order_by("id_number")
        .first()
    )
    consent = "本人当面签字确认，委托窗口工作人员代为网上申报"
    application = submit(
        users["clerk"], code=ANNUAL_REPORT, consent=consent,
        on_behalf={"id_number": stranger.id_number, "consent": consent},
    )  # fmt: skip
    case = only_case(application)
    case = act(case, "accept", users["reviewer"], timezone.localdate())
    assert case.state == "concluded"
    assert not RatingLink.objects.filter(case=case).exists()
    assert not InboxMessage.objects.filter(title__startswith="请评价").exists()


def test_sending_is_for_the_unit_and_the_bureau_and_not_after_a_rating(concluded, users):
    with pytest.raises(NotFound):
        send_rating_sms(case_id=concluded.pk, actor=users["town-clerk"])
    with pytest.raises(NotAllowed):
        send_rating_sms(case_id=concluded.pk, actor=users["citizen"])
    assert send_rating_sms(case_id=concluded.pk, actor=users["supervisor"])
    from onething.evaluation.services import rate_case

    rate_case(users["citizen"], concluded, level=5, channel="web")
    with pytest.raises(ServiceError) as raised:
        send_rating_sms(case_id=concluded.pk, actor=users["reviewer"])
    assert "该办件已评价" in raised.value.message


def test_the_invite_page_lists_concluded_cases_and_sends(concluded, running, users, client):
    client.force_login(users["reviewer"])
    page = client.get("/ratings/invite/").content.decode()
    assert concluded.number in page and running.number not in page
    response = client.post(f"/ratings/invite/{concluded.pk}/")
    assert response.status_code == 302
    assert InboxMessage.objects.filter(user=users["citizen"], title__startswith="请评价").exists()


# --- A real race, on PostgreSQL -------------------------------------------------------------------


@pytest.fixture(scope="module")
def _restore_district(django_db_blocker):
    """A transactional test empties every table when it ends; load the demo district again so
    the tests after it find it."""
    yield
    with django_db_blocker.unblock():
        from onething.core.models import User

        if not User.objects.filter(username="admin").exists():
            from conftest import load_test_district

            load_test_district()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a real two-connection race needs PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_people_submitting_one_link_at_once_one_wins(_restore_district):
    from onething.cases.tests.factories import ANNUAL_REPORT, act, only_case, submit
    from onething.core.models import User

    citizen, reviewer = User.objects.get(username="citizen"), User.objects.get(username="reviewer")
    case = act(only_case(submit(citizen, code=ANNUAL_REPORT)), "accept", reviewer,
               timezone.localdate())  # fmt: skip
    token = token_of(issue_rating_link(case))
    barrier = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def submit_rating(level):
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            outcomes[level] = rate_by_link(token, level=level)
        except Exception as exc:
            outcomes[level] = exc
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=submit_rating, args=(level,)) for level in (4, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    ratings = [o for o in outcomes.values() if isinstance(o, Rating)]
    losers = [o for o in outcomes.values() if not isinstance(o, Rating)]
    assert len(ratings) == 1 and len(losers) == 1, outcomes
    assert isinstance(losers[0], link_services.LinkGone | Conflict), outcomes
    assert Rating.objects.filter(case=case).count() == 1
