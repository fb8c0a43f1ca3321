"""Regions (行政区划) and departments (部门): the shape of the district."""

import datetime as dt

from django.db import models
from django.db.models import Q


class PublicQuerySet(models.QuerySet):
    """Public reference data: everyone, signed in or not, may read every row."""

    def visible_to(self, user):
        return self.all()


class RegionQuerySet(PublicQuerySet):
    def valid_on(self, day: dt.date):
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )


class Region(models.Model):
    """A node of the administrative-division tree, keyed by its GB/T 2260 / statistical code."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省"
        CITY = "city", "市"
        DISTRICT = "district", "区县"
        TOWN = "town", "乡镇街道"
        COMMUNITY = "community", "村（社区）"

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=60)
    level = models.CharField("层级", max_length=12, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_from = models.DateField("启用日期", null=True, blank=True)
    valid_to = models.DateField("停用日期", null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name="新代码",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )
    is_demo = models.BooleanField(
        "演示数据", default=False, help_text="系统生成的演示区划，并非官方公布的区划代码"
    )
    source = models.CharField("来源", max_length=200, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def code12(self) -> str:
        """The 12-digit statistical code (区划代码 padded with zeros below its level)."""
        return self.code.ljust(12, "0")

    def is_valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or self.valid_to >= day
        )


class Department(models.Model):
    """A government unit that handles cases, or the development zone (园区) it delegates to."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", "区直单位"
        PARK = "park", "园区"

    code = models.CharField("简码", max_length=12, unique=True)
    name = models.CharField("简称", max_length=40, unique=True)
    full_name = models.CharField("全称", max_length=80)
    kind = models.CharField("类别", max_length=12, choices=Kind.choices, default=Kind.DEPARTMENT)
    is_lead = models.BooleanField("牵头单位", default=False)
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    credit_code_is_demo = models.BooleanField(
        "信用代码为演示数据", default=True, help_text="离线环境无法取得真实代码，按国标规则生成"
    )
    sort_order = models.PositiveIntegerField("排序", default=0)

    objects = PublicQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "部门"
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name
