"""Notifications: each user's inbox on the platform, and the outbox of SMS and e-mail to send.

The outbox is written in the same transaction as the change it reports (a transactional
outbox) and sent afterwards by `send_notifications`; see onething/core/notifications.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from onething.core.identity import mask_phone

from .people import Role


class InboxMessageQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Only the addressee: the bureau and administrators do not read people's inboxes.
        return self.filter(user=user) if user.is_authenticated else self.none()

    def unread(self):
        return self.filter(read_at__isnull=True)


class InboxMessage(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="收件人",
        on_delete=models.CASCADE,
        related_name="inbox_messages",
    )
    title = models.CharField("标题", max_length=100)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True, help_text="站内路径，如 /my/")
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    objects = InboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="core_inbox_user_created"),
            # The unread count in every page header reads only this small index.
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="core_inbox_unread"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class OutboxMessageQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user.is_authenticated and user.role in (Role.SUPERVISOR, Role.SYSADMIN):
            return self.all()
        return self.none()


class OutboxMessage(models.Model):
    class Channel(models.TextChoices):
        SMS = "sms", "短信"
        EMAIL = "email", "电子邮件"

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="收件人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address = models.CharField("地址", max_length=254, help_text="手机号码或电子邮箱")
    subject = models.CharField("标题", max_length=100)
    body = models.TextField("内容", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间")
    last_error = models.TextField("最近一次错误", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "待发通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="core_outbox_due"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.masked_address}：{self.subject}"

    @property
    def masked_address(self) -> str:
        if self.channel == self.Channel.SMS:
            return mask_phone(self.address)
        name, _, domain = self.address.partition("@")
        return f"{name[:1]}***@{domain}" if domain else "***"
