"""The audit log: an append-only record of every state change and every staff read of a
full personal record."""

from django.conf import settings
from django.db import models

from .immutable import WriteOnceModel, WriteOnceQuerySet
from .people import Role


class AuditEntryQuerySet(WriteOnceQuerySet):
    def visible_to(self, user):
        if user.is_authenticated and user.role in (Role.SUPERVISOR, Role.SYSADMIN):
            return self.all()
        return self.none()


class AuditEntry(WriteOnceModel):
    refuse_change = "审计日志只能追加，不能修改"
    refuse_delete = "审计日志只能追加，不能删除"

    class Kind(models.TextChoices):
        CHANGE = "change", "变更"
        READ = "read", "查阅"

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField("操作人姓名", max_length=60, blank=True)
    actor_role = models.CharField("角色", max_length=20, blank=True)
    actor_unit = models.CharField("所属单位", max_length=60, blank=True)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, db_index=True)
    action = models.CharField("操作", max_length=60, db_index=True)
    object_type = models.CharField("对象类型", max_length=60, blank=True, db_index=True)
    object_id = models.CharField("对象标识", max_length=64, blank=True, db_index=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    purpose = models.CharField("查询事由", max_length=200, blank=True)
    ip_address = models.GenericIPAddressField("IP地址", null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"
