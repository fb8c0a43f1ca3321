"""Local rules (本地规则设置): limits the district chooses, versioned, each with its source.

National rules are code; a limit the district's own documents set lives here. A change adds a
row and never edits one, so every value a deadline was computed with stays on record.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .immutable import WriteOnceModel, WriteOnceQuerySet
from .people import Role

# Who may change a local rule: the bureau (区行政审批服务局) and system administrators.
SETTING_EDITORS = frozenset({Role.SUPERVISOR, Role.SYSADMIN})


class DistrictSettingQuerySet(WriteOnceQuerySet):
    def visible_to(self, user):
        # Staff apply the limits and applicants are told them: every signed-in user reads them.
        return self.all() if user.is_authenticated else self.none()

    def in_force(self, at=None):
        """Versions that have taken effect by `at` (default now), newest first."""
        return self.filter(valid_from__lte=at or timezone.now()).order_by(
            "key", "-valid_from", "-version"
        )


class DistrictSetting(WriteOnceModel):
    refuse_change = "本地规则设置只能新增版本，不能修改已有版本"
    refuse_delete = "本地规则设置的历史版本不能删除"

    key = models.CharField("设置项", max_length=60)
    version = models.PositiveIntegerField("版本")
    value = models.JSONField("取值")
    source = models.CharField("依据", max_length=300, help_text="文件名称及条款")
    valid_from = models.DateTimeField("生效时间")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="设置人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = DistrictSettingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "本地规则设置"
        ordering = ["key", "-version"]
        constraints = [
            # Two editors saving the same key at once: one gets the next version, the other
            # a conflict.
            models.UniqueConstraint(fields=["key", "version"], name="core_setting_key_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="core_setting_version_gte_1"),
        ]
        indexes = [models.Index(fields=["key", "-valid_from"], name="core_setting_key_from")]

    def __str__(self):
        return f"{self.key} 第{self.version}版"
