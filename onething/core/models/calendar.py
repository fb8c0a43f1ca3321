"""The official work calendar (工作日 / 调休), one row per date of each covered year."""

from django.db import models

from .organisation import PublicQuerySet


class WorkCalendarDay(models.Model):
    class Kind(models.TextChoices):
        WORKDAY = "workday", "工作日"
        WEEKEND = "weekend", "周末"
        HOLIDAY = "holiday", "法定节假日"
        ADJUSTED_WORKDAY = "adjusted_workday", "调休上班"

    date = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField("是否工作日")
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    name = models.CharField("节日", max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublicQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "工作日历"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"


class CalendarYear(models.Model):
    """A year whose official schedule has been entered; years absent here are provisional."""

    year = models.PositiveIntegerField("年份", unique=True)
    source = models.CharField("依据", max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublicQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "已录入年份"
        ordering = ["year"]

    def __str__(self):
        return f"{self.year}年（{self.source}）"
