"""Supervision: red and yellow cards (红黄牌) and the monthly bulletin (通报). Indicators are
computed, not stored (`indicators.py`); the card rules are declared in `cards.py`.

A card is issued to one unit — a department or a town — for one month and one rule, with the
evidence that made the rule fire (case numbers, rating ids, their due dates and how late). The
monthly run (`CardRun`) writes them; the unit reads its cards and answers; the bureau publishes
the month's bulletin, whose PDF is rendered from the context recorded when it was published.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from onething.core.access import BUREAU_ROLES, unit_q


class Color(models.TextChoices):
    YELLOW = "yellow", "黄牌"
    RED = "red", "红牌"


class CardQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The bureau sees every card; a unit's staff the cards of their department or town."""
        if not user.is_authenticated:
            return self.none()
        if user.role in BUREAU_ROLES:
            return self.all()
        unit = unit_q(user)
        return self.none() if unit is None else self.filter(unit)

    def of_month(self, month):
        return self.filter(month=month)


class Card(models.Model):
    """One red or yellow card: one unit, one month, one rule (unique), with its evidence."""

    month = models.DateField("月份", help_text="该月第一天")
    department = models.ForeignKey(
        "core.Department",
        verbose_name="部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    town = models.ForeignKey(
        "core.Region",
        verbose_name="乡镇街道",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    color = models.CharField("颜色", max_length=8, choices=Color.choices)
    rule_code = models.CharField("规则", max_length=40)
    rule_label = models.CharField("规则名称", max_length=100)
    count = models.PositiveIntegerField("计数")
    threshold = models.PositiveIntegerField("阈值")
    evidence = models.JSONField("证据", default=list)
    issued_at = models.DateTimeField("签发时间")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    response = models.TextField("单位回复", blank=True)
    responded_at = models.DateTimeField("回复时间", null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="回复人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = CardQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "红黄牌"
        ordering = ["-month", "color", "department__sort_order", "town__code", "rule_code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=False, town__isnull=True)
                | Q(department__isnull=True, town__isnull=False),
                name="card_one_unit",
            ),
            models.UniqueConstraint(
                fields=["month", "department", "rule_code"],
                condition=Q(department__isnull=False),
                name="card_once_per_department_rule",
            ),
            models.UniqueConstraint(
                fields=["month", "town", "rule_code"],
                condition=Q(town__isnull=False),
                name="card_once_per_town_rule",
            ),
        ]
        indexes = [models.Index(fields=["month", "color"], name="card_month_color")]

    def __str__(self):
        return (
            f"{self.month:%Y-%m} {self.unit_name} {self.get_color_display()}（{self.rule_label}）"
        )

    @property
    def unit_name(self) -> str:
        if self.department_id:
            return self.department.name
        return self.town.name if self.town_id else ""

    @property
    def evidence_kind(self) -> str:
        return evidence_kind(self.rule_code)


def evidence_kind(rule_code: str) -> str:
    """What a card's evidence lists: late cases, late negative ratings, or yellow months."""
    return {"repeated_yellow": "months", "negative_past_verify": "ratings"}.get(rule_code, "cases")


class CardRunQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Runs are the bureau's own bookkeeping."""
        if user.is_authenticated and user.role in BUREAU_ROLES:
            return self.all()
        return self.none()


class CardRun(models.Model):
    """A monthly run that issued a month's cards. Running again adds only missing cards."""

    month = models.DateField("月份", db_index=True)
    ran_at = models.DateTimeField("运行时间")
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="运行人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created = models.PositiveIntegerField("新签发")
    existing = models.PositiveIntegerField("已存在")

    objects = CardRunQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "红黄牌签发记录"
        ordering = ["-ran_at", "-id"]

    def __str__(self):
        return f"{self.month:%Y-%m} 签发 {self.ran_at:%Y-%m-%d %H:%M}"


class BulletinQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A bulletin is a published document: every staff member and administrator reads it."""
        if not user.is_authenticated or user.is_applicant:
            return self.none()
        return self.all()


class Bulletin(models.Model):
    """The bureau's monthly bulletin (通报) of red and yellow cards, one per month."""

    month = models.DateField("月份", unique=True, help_text="该月第一天")
    number = models.CharField("文号", max_length=40, unique=True)
    published_at = models.DateTimeField("印发时间")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="印发人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    context = models.JSONField("内容")

    objects = BulletinQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "红黄牌通报"
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month.year}年{self.month.month}月红黄牌通报 {self.number}"
