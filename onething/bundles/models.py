"""一件事 (bundles): several handling items one life or business event needs, applied for once,
with a guided questionnaire. The rule language they use lives in `onething.rules`.

Like catalog items, a bundle's `definition` is what the public uses (its published state);
each publish freezes it as an immutable `BundleVersion`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from onething.core.models import Role
from onething.core.models.immutable import WriteOnceModel, WriteOnceQuerySet
from onething.core.models.organisation import PublicQuerySet


class Bundle(models.Model):
    class Audience(models.TextChoices):
        PERSON = "person", "个人"
        ENTERPRISE = "enterprise", "企业"

    slug = models.SlugField("标识", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)
    audience = models.CharField("服务对象", max_length=12, choices=Audience.choices)
    life_event = models.CharField("事件", max_length=40)
    summary = models.TextField("简介")
    you_need = models.JSONField("需要准备", default=list)
    definition = models.JSONField("问卷与规则")
    current_version = models.ForeignKey(
        "BundleVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = PublicQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "一件事"
        ordering = ["audience", "slug"]

    def __str__(self):
        return self.name


class BundleVersionQuerySet(WriteOnceQuerySet, PublicQuerySet):
    pass


class BundleVersion(WriteOnceModel):
    refuse_change = "已发布的一件事版本不能修改"
    refuse_delete = "已发布的一件事版本不能删除"

    bundle = models.ForeignKey(Bundle, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    snapshot = models.JSONField("内容")
    published_at = models.DateTimeField("发布时间", default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("修订说明", max_length=300, blank=True)

    objects = BundleVersionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "一件事版本"
        ordering = ["bundle", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "number"], name="bundle_version_unique")
        ]

    def __str__(self):
        return f"{self.bundle.name} 第{self.number}版"


class GuidanceSessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An applicant sees their own saved sessions; the bureau sees all (for metrics)."""
        if not user.is_authenticated:
            return self.none()
        if user.role in (Role.SUPERVISOR, Role.SYSADMIN):
            return self.all()
        return self.filter(user=user)


class GuidanceSession(models.Model):
    """One run through a bundle's questionnaire: for save-and-resume and for the metrics
    (sessions started, completed, converted to applications)."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="sessions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="guidance_sessions",
    )
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    answers = models.JSONField(default=dict)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)

    objects = GuidanceSessionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "导办记录"
        indexes = [models.Index(fields=["bundle", "started_at"])]

    def __str__(self):
        return f"{self.bundle.name} {self.started_at:%Y-%m-%d %H:%M}"
