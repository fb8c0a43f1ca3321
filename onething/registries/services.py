"""Reads of full registry records. Staff must state a purpose; each read is audited."""

from django.db import models, transaction

from onething.core.errors import NotFound, ServiceError
from onething.core.models import AuditEntry, User
from onething.core.services import record_audit
from onething.registries.models import Enterprise, Person

MIN_PURPOSE_LENGTH = 4


def _check_purpose(user: User, purpose: str) -> str:
    purpose = (purpose or "").strip()
    if user.is_staff_member and len(purpose) < MIN_PURPOSE_LENGTH:
        raise ServiceError(
            "查阅完整信息须说明事由",
            fields={"purpose": f"请填写查询事由（至少{MIN_PURPOSE_LENGTH}个字），如办件编号"},
        )
    return purpose


def _read_record(*, user, records: models.QuerySet, action: str, purpose: str, missing: str,
                 request=None, **lookup):  # fmt: skip
    """One visible record by `lookup`; a staff read is audited with its purpose."""
    purpose = _check_purpose(user, purpose)
    with transaction.atomic():
        record = records.visible_to(user).filter(**lookup).first()
        if record is None:
            raise NotFound(missing)
        if user.is_staff_member:
            record_audit(
                actor=user, action=action, kind=AuditEntry.Kind.READ, obj=record,
                purpose=purpose, request=request,
            )  # fmt: skip
    return record


def read_person(*, user: User, id_number: str, purpose: str, request=None) -> Person:
    """The full population record of `id_number`, if `user` may see it; audited for staff."""
    return _read_record(
        user=user,
        records=Person.objects.select_related("household_community__parent"),
        action="registries.person.read",
        purpose=purpose,
        missing="人口库中没有该身份证号码，或您无权查看",
        request=request,
        id_number=id_number.strip().upper(),
    )


def read_enterprise(*, user: User, credit_code: str, purpose: str, request=None) -> Enterprise:
    """The full legal-entity record, if `user` may see it; audited for staff."""
    return _read_record(
        user=user,
        records=Enterprise.objects.select_related("town"),
        action="registries.enterprise.read",
        purpose=purpose,
        missing="法人库中没有该统一社会信用代码，或您无权查看",
        request=request,
        credit_code=credit_code.strip().upper(),
    )
