"""Records that are written once and never changed: the audit log and published versions."""

from django.db import models


class WriteOnceQuerySet(models.QuerySet):
    """Bulk update and delete are refused, with the model's own message."""

    def update(self, **kwargs):
        raise PermissionError(self.model.refuse_change)

    def delete(self):
        raise PermissionError(self.model.refuse_delete)


class WriteOnceModel(models.Model):
    """Saving an existing row or deleting one raises PermissionError; subclasses word why."""

    refuse_change = "记录写入后不能修改"
    refuse_delete = "记录写入后不能删除"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError(self.refuse_change)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(self.refuse_delete)
