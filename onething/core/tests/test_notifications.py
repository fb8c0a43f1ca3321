"""Notifications: inbox and outbox written with the change, sent later, retried, never twice."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from onething.core import notifications
from onething.core.errors import NotFound
from onething.core.models import AuditEntry, InboxMessage, OutboxMessage
from onething.core.notifications import deliver_pending, mark_read, notify, requeue_failed

pytestmark = pytest.mark.usefixtures("district")

T0 = dt.datetime(2026, 9, 24, 9, 0, tzinfo=dt.UTC)


class RecordingSender:
    """Remembers what it sent; fails while `failing` is set."""

    sent: list = []
    failing = False

    def send(self, message):
        if RecordingSender.failing:
            raise ConnectionError("短信网关无响应")
        RecordingSender.sent.append(message.pk)


TEST_SENDERS = {
    "sms": "onething.core.tests.test_notifications.RecordingSender",
    "email": "onething.core.tests.test_notifications.RecordingSender",
}


@pytest.fixture
def sender():
    RecordingSender.sent, RecordingSender.failing = [], False
    with override_settings(ONETHING_NOTIFICATION_SENDERS=TEST_SENDERS):
        yield RecordingSender


@pytest.fixture
def citizen(users):
    user = users["citizen"]
    user.phone, user.email = "13800138000", "citizen@example.cn"
    user.save()
    return user


def one_sms(user, **kwargs):
    """Notify, then keep only the SMS row so counts below are about one message."""
    notify(user, title="办件已受理", body="您的申请已受理。", **kwargs)
    OutboxMessage.objects.filter(channel="email").delete()
    return OutboxMessage.objects.get(channel="sms")


# --- Writing ---------------------------------------------------------------------------------


def test_notify_writes_the_inbox_and_one_outbox_row_per_channel(citizen):
    message = notify(citizen, title="办件已受理", body="受理编号 WC2026-000123", link="/my/")
    assert (message.user, message.read_at, message.link) == (citizen, None, "/my/")
    outbox = {row.channel: row for row in OutboxMessage.objects.all()}
    assert set(outbox) == {"sms", "email"}
    assert outbox["sms"].address == "13800138000" and outbox["email"].address == citizen.email
    assert all(row.status == "pending" and row.attempts == 0 for row in outbox.values())
    assert outbox["sms"].subject == "办件已受理"


def test_a_user_without_phone_or_email_gets_only_the_inbox(users):
    user = users["clerk"]
    user.phone = user.email = ""
    user.save()
    notify(user, title="新的待办", body="")
    assert InboxMessage.objects.filter(user=user).count() == 1
    assert not OutboxMessage.objects.exists()


def test_a_rolled_back_change_takes_its_notification_with_it(citizen):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(citizen, title="办件已受理", body="")
        assert InboxMessage.objects.filter(user=citizen).exists()
        raise RuntimeError("the state change failed after notifying")
    assert not InboxMessage.objects.filter(user=citizen).exists()
    assert not OutboxMessage.objects.exists()


def test_notify_refuses_links_off_the_site_and_overlong_titles(citizen):
    for link in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        with pytest.raises(ValueError, match="站内路径"):
            notify(citizen, title="标题", body="", link=link)
    with pytest.raises(ValueError, match="100"):
        notify(citizen, title="长" * 101, body="")
    assert not InboxMessage.objects.filter(user=citizen).exists()


# --- Delivering ------------------------------------------------------------------------------


def test_deliver_pending_sends_due_messages_once(citizen, sender):
    notify(citizen, title="办件已受理", body="")
    counts = deliver_pending(now=timezone.now())
    assert counts == {"sent": 2, "retried": 0, "failed": 0}
    assert sorted(sender.sent) == sorted(OutboxMessage.objects.values_list("pk", flat=True))
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}
    assert all(row.sent_at for row in OutboxMessage.objects.all())
    assert deliver_pending(now=timezone.now()) == {"sent": 0, "retried": 0, "failed": 0}
    assert len(sender.sent) == 2


def test_messages_not_yet_due_wait(citizen, sender):
    row = one_sms(citizen)
    assert deliver_pending(now=row.next_attempt_at - dt.timedelta(seconds=1))["sent"] == 0
    assert deliver_pending(now=row.next_attempt_at)["sent"] == 1


def test_a_failure_is_retried_with_exponential_backoff_capped_at_an_hour(citizen, sender):
    row = one_sms(citizen)
    sender.failing = True
    now = row.next_attempt_at
    waits = []
    for attempt in range(1, 8):
        assert deliver_pending(now=now) == {"sent": 0, "retried": 1, "failed": 0}
        row.refresh_from_db()
        assert row.status == "pending" and row.attempts == attempt
        assert row.last_error == "ConnectionError: 短信网关无响应"
        waits.append(row.next_attempt_at - now)
        assert deliver_pending(now=row.next_attempt_at - dt.timedelta(seconds=1))["retried"] == 0
        now = row.next_attempt_at
    assert [w.total_seconds() / 60 for w in waits] == [1, 2, 4, 8, 16, 32, 60]


def test_after_eight_attempts_a_message_fails_and_is_kept_then_requeued(citizen, sender):
    row = one_sms(citizen)
    sender.failing = True
    now = row.next_attempt_at
    for _ in range(7):
        deliver_pending(now=now)
        now += dt.timedelta(hours=1)
    assert deliver_pending(now=now) == {"sent": 0, "retried": 0, "failed": 1}
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 8)
    assert "短信网关无响应" in row.last_error
    assert deliver_pending(now=now + dt.timedelta(days=1))["failed"] == 0  # left alone, kept

    sender.failing = False
    assert requeue_failed(actor=None) == 1
    assert AuditEntry.objects.filter(action="core.outboxmessage.requeue").exists()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)
    assert deliver_pending()["sent"] == 1
    assert sender.sent == [row.pk]


def test_two_workers_never_send_one_message_twice(citizen, sender):
    row = one_sms(citizen)
    now = row.next_attempt_at
    # Both workers read the same due list before either claims.
    seen_by_a = notifications._due(now, 10)
    seen_by_b = notifications._due(now, 10)
    assert seen_by_a == seen_by_b == [(row.pk, 0)]
    assert notifications._claim(*seen_by_a[0], now) is True
    assert notifications._claim(*seen_by_b[0], now) is False


def test_a_second_worker_running_during_a_send_finds_nothing_to_do(citizen, sender, monkeypatch):
    row = one_sms(citizen)
    now = row.next_attempt_at
    inner = {}

    class ReentrantSender:
        def send(self, message):
            # Another worker's whole pass while this one is still talking to the gateway.
            inner["counts"] = deliver_pending(now=now)
            RecordingSender.sent.append(message.pk)

    monkeypatch.setattr(notifications, "_senders", lambda: {"sms": ReentrantSender()})
    assert deliver_pending(now=now)["sent"] == 1
    assert inner["counts"] == {"sent": 0, "retried": 0, "failed": 0}
    assert sender.sent == [row.pk]


def test_a_worker_that_died_mid_send_hands_the_message_on_after_the_lease(citizen, sender):
    row = one_sms(citizen)
    now = row.next_attempt_at
    assert notifications._claim(row.pk, 0, now)  # claimed, then the worker vanished
    assert deliver_pending(now=now + dt.timedelta(minutes=1))["sent"] == 0
    assert deliver_pending(now=now + notifications.CLAIM_LEASE)["sent"] == 1


def test_a_channel_without_a_sender_is_retried_not_lost(citizen):
    row = one_sms(citizen)
    with override_settings(ONETHING_NOTIFICATION_SENDERS={}):
        assert deliver_pending(now=row.next_attempt_at)["retried"] == 1
    row.refresh_from_db()
    assert row.status == "pending" and "未配置" in row.last_error


def test_the_default_senders_log_sms_and_send_email(citizen, caplog):
    notify(citizen, title="办件已受理", body="请按时领取证照。")
    with caplog.at_level(logging.INFO, logger="onething.notifications"):
        assert deliver_pending()["sent"] == 2
    assert "138****8000" in caplog.text and "13800138000" not in caplog.text
    assert "办件已受理" in caplog.text
    assert [m.to for m in mail.outbox] == [[citizen.email]]
    assert mail.outbox[0].subject == "办件已受理"


def test_the_command_delivers_and_requeues(citizen, sender, capsys):
    row = one_sms(citizen)
    OutboxMessage.objects.filter(pk=row.pk).update(status="failed", attempts=8)
    call_command("send_notifications", "--requeue-failed")
    out = capsys.readouterr().out
    assert "重新排队：1 条" in out and "已发送 1 条" in out
    assert sender.sent == [row.pk]


# --- Inbox -----------------------------------------------------------------------------------


def test_mark_read_is_for_the_owner_only(users, citizen):
    message = notify(citizen, title="办件已受理", body="")
    with pytest.raises(NotFound):
        mark_read(users["supervisor"], message.pk)
    assert mark_read(citizen, message.pk).read_at is not None
    first = InboxMessage.objects.get(pk=message.pk).read_at
    assert mark_read(citizen, message.pk).read_at == first  # idempotent


def test_nobody_sees_another_users_inbox(users, citizen):
    notify(citizen, title="越界消息", body="")
    for role in ("admin", "supervisor", "clerk", "enterprise"):
        assert not InboxMessage.objects.visible_to(users[role]).filter(user=citizen).exists()
    assert OutboxMessage.objects.visible_to(users["supervisor"]).exists()
    assert not OutboxMessage.objects.visible_to(users["clerk"]).exists()
    assert not OutboxMessage.objects.visible_to(citizen).exists()


def test_the_inbox_page_lists_own_messages_newest_first_with_unread_marked(client, citizen):
    notify(citizen, title="第一条消息", body="较早")
    notify(citizen, title="第二条消息", body="较新", link="/my/")
    client.force_login(citizen)
    text = client.get("/my/inbox/").content.decode()
    assert text.index("第二条消息") < text.index("第一条消息")
    assert text.count('<span class="badge unread">未读</span>') == 2
    assert "2 条未读" in text  # the header count


def test_opening_a_message_marks_it_read_and_follows_its_link(client, users, citizen):
    message = notify(citizen, title="办件已受理", body="", link="/my/")
    client.force_login(users["enterprise"])
    assert client.get(f"/my/inbox/{message.pk}/").status_code == 404
    assert client.post(f"/my/inbox/{message.pk}/").status_code == 404
    assert InboxMessage.objects.get(pk=message.pk).read_at is None
    client.force_login(citizen)
    response = client.get(f"/my/inbox/{message.pk}/")
    assert response.status_code == 302 and response["Location"] == "/my/"
    assert InboxMessage.objects.get(pk=message.pk).read_at is not None


def test_marking_read_by_post_returns_to_the_inbox(client, citizen):
    message = notify(citizen, title="办件已受理", body="")
    client.force_login(citizen)
    response = client.post(f"/my/inbox/{message.pk}/")
    assert response["Location"] == f"/my/inbox/#message-{message.pk}"
    assert "未读</span>" not in client.get("/my/inbox/").content.decode()


def test_the_header_shows_the_unread_count_on_every_page(client, citizen):
    for n in range(3):
        notify(citizen, title=f"消息{n}", body="")
    mark_read(citizen, InboxMessage.objects.filter(user=citizen).first().pk)
    client.force_login(citizen)
    assert notifications.unread_count(citizen) == 2
    assert "2 条未读" in client.get("/regions/430112001/").content.decode()
    InboxMessage.objects.filter(user=citizen).update(read_at=timezone.now())
    assert "条未读" not in client.get("/regions/430112001/").content.decode()


def test_the_unread_count_query_runs_only_when_rendered(rf, citizen, django_assert_num_queries):
    from onething.web.context_processors import inbox

    request = rf.get("/")
    request.user = citizen
    with django_assert_num_queries(0):
        context = inbox(request)
    with django_assert_num_queries(1):
        assert str(context["inbox_unread"]) == "0"
