"""Ratings (好差评, 国办发〔2019〕51号) and 12345 hotline tickets.

A rating is on a concluded (or refused) case, on a hall service (a window, a clerk) or on a
hotline ticket; five levels; one online rating per case, one on-site rating per service. A
negative rating (不满意, 非常不满意) opens a handling record: verify, rectify or explain, follow up
with the rater, close — each step due by a district setting and warned like cases; the department
may appeal a false or malicious rating to the bureau.

A ticket is a 12345 call or message: intake, dispatch to a unit, sign-for, reply, return visit,
closure, with reassignments; its limits by category are district settings.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from onething.core.access import BUREAU_ROLES, unit_q
from onething.core.identity import mask_name, mask_phone


class Level(models.IntegerChoices):
    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    BASIC = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


NEGATIVE_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)


class Channel(models.TextChoices):
    WEB = "web", "政务服务网"
    APP = "app", "移动端"
    HALL_TABLET = "hall_tablet", "大厅评价器"
    TERMINAL = "terminal", "自助终端"
    SMS = "sms", "短信评价"
    HOTLINE = "hotline", "12345热线"


# Online channels rate a case once; on-site channels rate each service (国办发〔2019〕51号).
ONLINE_CHANNELS = (Channel.WEB, Channel.APP, Channel.SMS)
ONSITE_CHANNELS = (Channel.HALL_TABLET, Channel.TERMINAL)

# Reason categories of a negative rating, as the national system groups them.
REASONS = {
    "attitude": "服务态度差",
    "efficiency": "办事效率低",
    "repeated": "多次跑、反复提交材料",
    "guide": "办事指南不清楚",
    "online": "网上办事不方便",
    "fees": "乱收费或收费不合理",
    "overdue": "超时办理",
    "other": "其他",
}


class RatingQuerySet(models.QuerySet):
    def online_case_ratings(self):
        """Ratings of a case given online (web, app, SMS link): at most one per case."""
        return self.filter(subject=Rating.Subject.CASE, channel__in=ONLINE_CHANNELS)

    def visible_to(self, user):
        """The bureau sees all; a unit its own ratings; a rater their own."""
        if not user.is_authenticated:
            return self.none()
        if user.role in BUREAU_ROLES:
            return self.all()
        if user.is_applicant:
            return self.filter(rater_user=user)
        unit = unit_q(user)
        return self.none() if unit is None else self.filter(unit)

    def negative(self):
        return self.filter(level__in=NEGATIVE_LEVELS)


class Rating(models.Model):
    class Subject(models.TextChoices):
        CASE = "case", "办件"
        HALL = "hall", "窗口服务"
        TICKET = "ticket", "热线工单"

    class Status(models.TextChoices):
        VALID = "valid", "有效"
        VOIDED = "voided", "经申诉核定无效"

    subject = models.CharField("评价对象", max_length=8, choices=Subject.choices)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="ratings"
    )
    ticket = models.ForeignKey(
        "Ticket", null=True, blank=True, on_delete=models.PROTECT, related_name="ratings"
    )
    service_ref = models.CharField(
        "服务编号", max_length=40, blank=True, help_text="窗口服务的取号或服务流水号"
    )
    window = models.CharField("窗口", max_length=40, blank=True)
    item = models.ForeignKey(
        "catalog.ServiceItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item_version = models.ForeignKey(
        "catalog.ItemVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "core.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    town = models.ForeignKey(
        "core.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("区划代码", max_length=12)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="窗口人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField("渠道", max_length=12, choices=Channel.choices)
    level = models.PositiveSmallIntegerField("评价等级", choices=Level.choices, db_index=True)
    reasons = models.JSONField("差评原因", default=list, blank=True)
    text = models.CharField("评价内容", max_length=500, blank=True)
    rater_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rater_name = models.CharField("评价人", max_length=40, blank=True)
    rater_phone = models.CharField("评价人电话", max_length=11, blank=True)
    real_name = models.BooleanField("实名评价", default=False)
    status = models.CharField(
        "状态", max_length=8, choices=Status.choices, default=Status.VALID, db_index=True
    )
    created_at = models.DateTimeField("评价时间", db_index=True)

    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "好差评"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(subject="case", channel__in=["web", "app", "sms"]),
                name="rating_online_once_per_case",
            ),
            models.UniqueConstraint(
                fields=["service_ref"],
                condition=Q(subject="hall"),
                name="rating_once_per_hall_service",
            ),
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(subject="ticket"), name="rating_once_per_ticket"
            ),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="rating_level"),
        ]
        indexes = [
            models.Index(fields=["department", "created_at"], name="rating_dept_month"),
            models.Index(fields=["town", "created_at"], name="rating_town_month"),
            models.Index(fields=["item", "created_at"], name="rating_item_month"),
            # The indicators: 群众实际评价率 probes a case's ratings, 好评率 counts the period's
            # levels; both answered from the index alone (benchmarks/RESULTS.md, indicators).
            models.Index(fields=["case", "subject", "status"], name="rating_case_probe"),
            models.Index(fields=["created_at", "level", "status"], name="rating_level_month"),
        ]

    def __str__(self):
        return f"{self.get_level_display()} {self.created_at:%Y-%m-%d}"

    @property
    def is_negative(self) -> bool:
        return self.level in NEGATIVE_LEVELS

    @property
    def unit_name(self) -> str:
        """The rated unit: a department, or a town."""
        if self.department_id:
            return self.department.name
        return self.town.name if self.town_id else ""

    @property
    def masked_rater(self) -> str:
        if not self.real_name:
            return "匿名"
        return f"{mask_name(self.rater_name)} {mask_phone(self.rater_phone)}".strip()


class NegativeHandlingQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(rating__in=Rating.objects.visible_to(user))


class NegativeHandling(models.Model):
    """What follows a negative rating: verify → rectify or explain → follow up → closed; or an
    appeal to the bureau, which upholds (the rating is voided) or rejects it."""

    class State(models.TextChoices):
        VERIFYING = "verifying", "待核实"
        RECTIFYING = "rectifying", "整改中"
        FOLLOW_UP = "follow_up", "待回访"
        APPEALED = "appealed", "申诉审核中"
        CLOSED = "closed", "已办结"
        VOIDED = "voided", "申诉成立，差评无效"

    class Outcome(models.TextChoices):
        RECTIFIED = "rectified", "已整改"
        EXPLAINED = "explained", "已解释说明"

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="handling")
    state = models.CharField(
        "状态", max_length=12, choices=State.choices, default=State.VERIFYING, db_index=True
    )
    version = models.PositiveIntegerField(default=1)
    opened_on = models.DateField("差评日期")
    verify_days = models.PositiveSmallIntegerField("核实时限（工作日）")
    rectify_days = models.PositiveSmallIntegerField("整改时限（工作日）")
    verified_at = models.DateTimeField("核实时间", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verification = models.CharField("核实情况", max_length=500, blank=True)
    upheld = models.BooleanField("差评属实", null=True, blank=True)
    rectified_at = models.DateTimeField("整改时间", null=True, blank=True)
    outcome = models.CharField("处置方式", max_length=10, choices=Outcome.choices, blank=True)
    rectification = models.CharField("整改或解释内容", max_length=1000, blank=True)
    followed_up_at = models.DateTimeField("回访时间", null=True, blank=True)
    follow_up = models.CharField("回访情况", max_length=500, blank=True)
    rater_satisfied = models.BooleanField("回访满意", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    appeal_reason = models.CharField("申诉理由", max_length=500, blank=True)
    appealed_at = models.DateTimeField("申诉时间", null=True, blank=True)
    appealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申诉人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    appeal_state_before = models.CharField(max_length=12, blank=True)
    appeal_decision = models.CharField("申诉核定意见", max_length=500, blank=True)
    appeal_upheld = models.BooleanField("申诉成立", null=True, blank=True)
    appeal_decided_at = models.DateTimeField(null=True, blank=True)
    appeal_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = NegativeHandlingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "差评整改"
        ordering = ["opened_on", "id"]

    def __str__(self):
        return f"差评整改 {self.rating_id}"


class RatingLinkQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Links are secrets sent to the applicant; only the bureau lists them (without the
        token, which is never stored)."""
        if user.is_authenticated and user.role in BUREAU_ROLES:
            return self.all()
        return self.none()


class RatingLink(models.Model):
    """An SMS-style rating link for a concluded case: signed, single use, expiring. Only a hash of
    the nonce is stored."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="rating_links")
    nonce_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField("失效时间")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    created_at = models.DateTimeField("发送时间", default=timezone.now)

    objects = RatingLinkQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "评价链接"

    def __str__(self):
        return f"评价链接 {self.case_id}"


class TicketQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The bureau (which runs the hotline's dispatch) sees all; a unit the tickets dispatched
        to it; a caller signed in with the same phone their own."""
        if not user.is_authenticated:
            return self.none()
        if user.role in BUREAU_ROLES:
            return self.all()
        if user.is_applicant:
            return self.filter(caller_phone=user.phone) if user.phone else self.none()
        unit = unit_q(user)
        return self.none() if unit is None else self.filter(unit)


class Ticket(models.Model):
    """A 12345 hotline ticket (工单)."""

    class Channel(models.TextChoices):
        PHONE = "phone", "电话"
        WEB = "web", "网站"
        WECHAT = "wechat", "微信"
        APP = "app", "移动端"

    class Category(models.TextChoices):
        CONSULTATION = "consultation", "咨询"
        HELP = "help", "求助"
        COMPLAINT = "complaint", "投诉"
        SUGGESTION = "suggestion", "建议"

    class State(models.TextChoices):
        RECEIVED = "received", "已登记"
        DISPATCHED = "dispatched", "已派单"
        SIGNED = "signed", "已签收"
        REPLIED = "replied", "已答复"
        VISITED = "visited", "已回访"
        CLOSED = "closed", "已办结"

    number = models.CharField("工单编号", max_length=20, unique=True)
    channel = models.CharField("来源渠道", max_length=8, choices=Channel.choices)
    caller_name = models.CharField("来电人", max_length=40, blank=True)
    caller_phone = models.CharField("联系电话", max_length=11, db_index=True)
    category = models.CharField("类别", max_length=14, choices=Category.choices)
    text = models.TextField("诉求内容")
    state = models.CharField(
        "状态", max_length=12, choices=State.choices, default=State.RECEIVED, db_index=True
    )
    version = models.PositiveIntegerField(default=1)
    department = models.ForeignKey(
        "core.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    town = models.ForeignKey(
        "core.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField("登记时间", db_index=True)
    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    reply = models.TextField("答复内容", blank=True)
    visited_at = models.DateTimeField("回访时间", null=True, blank=True)
    visit_result = models.CharField("回访情况", max_length=500, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        "满意度", choices=Level.choices, null=True, blank=True
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    reassignments = models.PositiveSmallIntegerField("改派次数", default=0)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "12345工单"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["department", "state"], name="ticket_dept_state"),
            models.Index(fields=["town", "state"], name="ticket_town_state"),
        ]

    def __str__(self):
        return self.number

    @property
    def masked_caller(self) -> str:
        return f"{mask_name(self.caller_name)} {mask_phone(self.caller_phone)}".strip()

    @property
    def unit_name(self) -> str:
        if self.department_id:
            return self.department.name
        return self.town.name if self.town_id else "未派单"


class TicketEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(ticket__in=Ticket.objects.visible_to(user))


class TicketEvent(models.Model):
    """One step of a ticket: dispatch, sign-for, reply, reassignment (with its reason), return
    visit, closure."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=60)
    action = models.CharField(max_length=20)
    message = models.CharField(max_length=500)

    objects = TicketEventQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "工单记录"
        ordering = ["ticket", "at", "id"]

    def __str__(self):
        return f"{self.ticket} {self.action}"
