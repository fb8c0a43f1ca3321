"""Notifications: the inbox, and SMS and e-mail through a transactional outbox.

`notify` writes the inbox message and one outbox row per channel in the caller's transaction,
so a change and its notification are committed or rolled back together. Nothing is sent
there: `deliver_pending` (run by `manage.py send_notifications`) sends what is due, retries
with backoff, and never sends one message twice when several workers run.

Senders are plugins named in settings.ONETHING_NOTIFICATION_SENDERS; a sender has
`send(message: OutboxMessage) -> None` and raises when the message was not sent.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from onething.core.errors import NotFound
from onething.core.models import InboxMessage, OutboxMessage, User
from onething.core.services import record_audit

logger = logging.getLogger("onething.notifications")

MAX_ATTEMPTS = 8
MAX_BACKOFF = dt.timedelta(hours=1)
# A claimed message is not due again until this has passed, so a worker that died mid-send
# hands it on; senders must time out well within it.
CLAIM_LEASE = dt.timedelta(minutes=10)
DEFAULT_SENDERS = {
    "sms": "onething.core.notifications.ConsoleSender",
    "email": "onething.core.notifications.DjangoEmailSender",
}


# --- Writing ---------------------------------------------------------------------------------


def _check_link(link: str) -> str:
    # Only paths on this site: the inbox redirects to the link, so it must not lead elsewhere.
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link):
        raise ValueError(f"通知链接必须是站内路径（以 / 开头）：{link!r}")
    return link


def notify(user: User, *, title: str, body: str, link: str = "") -> InboxMessage:
    """Tell `user` something: an inbox message, plus an SMS and/or e-mail to send later.

    Runs in the caller's transaction (a savepoint if there is one): if the caller's change
    rolls back, so does its notification. SMS goes to `user.phone`, e-mail to `user.email`,
    where set.
    """
    title = title.strip()
    if not title or len(title) > 100:
        raise ValueError("通知标题不能为空，也不能超过100个字")
    _check_link(link)
    now = timezone.now()
    with transaction.atomic():
        message = InboxMessage.objects.create(user=user, title=title, body=body, link=link)
        outbox = [
            OutboxMessage(
                channel=channel,
                user=user,
                address=address,
                subject=title,
                body=body,
                next_attempt_at=now,
            )
            for channel, address in (
                (OutboxMessage.Channel.SMS, user.phone),
                (OutboxMessage.Channel.EMAIL, user.email),
            )
            if address
        ]
        OutboxMessage.objects.bulk_create(outbox)
    return message


def mark_read(user: User, message_id: int) -> InboxMessage:
    """Mark one of `user`'s own messages read (idempotent); anyone else's is NotFound."""
    message = InboxMessage.objects.visible_to(user).filter(pk=message_id).first()
    if message is None:
        raise NotFound("没有这条消息")
    if message.read_at is None:
        # Reading one's own inbox is not a decision anyone answers for: no audit entry.
        now = timezone.now()
        InboxMessage.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=now)
        message.read_at = now
    return message


def unread_count(user: User) -> int:
    return InboxMessage.objects.visible_to(user).unread().count()


# --- Senders ---------------------------------------------------------------------------------


class ConsoleSender:
    """Writes the message to the log instead of sending it: development and demos."""

    def send(self, message: OutboxMessage) -> None:
        logger.info(
            "[%s] 致 %s：%s\n%s",
            message.get_channel_display(),
            message.masked_address,
            message.subject,
            message.body,
        )


class DjangoEmailSender:
    """E-mail through Django's configured backend (EMAIL_HOST etc. in the settings)."""

    def send(self, message: OutboxMessage) -> None:
        send_mail(
            subject=message.subject,
            message=message.body,
            from_email=None,
            recipient_list=[message.address],
            fail_silently=False,
        )


def _senders() -> dict[str, object]:
    names = getattr(settings, "ONETHING_NOTIFICATION_SENDERS", DEFAULT_SENDERS)
    return {channel: import_string(path)() for channel, path in names.items()}


# --- Delivering ------------------------------------------------------------------------------


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the `attempts`-th failure: 1, 2, 4 … minutes, at most an hour."""
    return min(dt.timedelta(minutes=2 ** (attempts - 1)), MAX_BACKOFF)


def _due(now: dt.datetime, limit: int) -> list[tuple[int, int]]:
    """(id, attempts) of pending messages whose time has come, oldest first."""
    return list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", "attempts")[:limit]
    )


def _claim(message_id: int, attempts: int, now: dt.datetime) -> bool:
    """Take one message for this worker. True for exactly one of any number of callers.

    One conditional UPDATE: it matches only while the row is pending, due and still has the
    attempt count we read, so a second worker that read the same row matches nothing. Works
    the same on SQLite and PostgreSQL, without row locks held during the send.
    """
    return bool(
        OutboxMessage.objects.filter(
            pk=message_id,
            status=OutboxMessage.Status.PENDING,
            attempts=attempts,
            next_attempt_at__lte=now,
        ).update(attempts=attempts + 1, next_attempt_at=now + CLAIM_LEASE)
    )


def deliver_pending(now: dt.datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Send the messages that are due. Returns counts: sent, retried (will try again), failed.

    Call outside a transaction: each claim and each result is committed on its own, and no
    lock is held while a sender talks to the network.
    """
    now = now or timezone.now()
    senders = _senders()
    counts = {"sent": 0, "retried": 0, "failed": 0}
    for message_id, attempts in _due(now, limit):
        if not _claim(message_id, attempts, now):
            continue  # another worker has it
        message = OutboxMessage.objects.get(pk=message_id)
        mine = OutboxMessage.objects.filter(pk=message_id, attempts=message.attempts)
        try:
            sender = senders.get(message.channel)
            if sender is None:
                raise LookupError(f"未配置“{message.get_channel_display()}”渠道的发送方式")
            sender.send(message)
        except Exception as error:
            error_text = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                mine.update(status=OutboxMessage.Status.FAILED, last_error=error_text)
                counts["failed"] += 1
                logger.warning(
                    "通知 %s 已尝试 %s 次仍失败：%s", message_id, message.attempts, error_text
                )
            else:
                mine.update(last_error=error_text, next_attempt_at=now + backoff(message.attempts))
                counts["retried"] += 1
        else:
            mine.update(status=OutboxMessage.Status.SENT, sent_at=timezone.now(), last_error="")
            counts["sent"] += 1
    return counts


def requeue_failed(*, actor: User | None = None, now: dt.datetime | None = None) -> int:
    """Give every failed message a fresh set of attempts (after a gateway outage is fixed)."""
    now = now or timezone.now()
    with transaction.atomic():
        count = OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED).update(
            status=OutboxMessage.Status.PENDING, attempts=0, next_attempt_at=now
        )
        if count:
            record_audit(
                actor=actor, action="core.outboxmessage.requeue", after={"requeued": count}
            )
    return count
