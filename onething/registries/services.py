"""Reads of full registry records. Staff must state a purpose; each read is audited."""

from django.db import transaction

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


def read_person(*, user: User, id_number: str, purpose: str, request=None) -> Person:
    """The full population record of `id_number`, if `user` may see it; audited for staff."""
    purpose = _check_purpose(user, purpose)
    with transaction.atomic():
        person = (
            Person.objects.visible_to(user)
            .select_related("household_community__parent")
            .filter(id_number=id_number.strip().upper())
            .first()
        )
        if person is None:
            raise NotFound("人口库中没有该身份证号码，或您无权查看")
        if user.is_staff_member:
            record_audit(
                actor=user,
                action="registries.person.read",
                kind=AuditEntry.Kind.READ,
                obj=person,
                purpose=purpose,
                request=request,
            )
    return person


def read_enterprise(*, user: User, credit_code: str, purpose: str, request=None) -> Enterprise:
    """The full legal-entity record, if `user` may see it; audited for staff."""
    purpose = _check_purpose(user, purpose)
    with transaction.atomic():
        enterprise = (
            Enterprise.objects.visible_to(user)
            .select_related("town")
            .filter(credit_code=credit_code.strip().upper())
            .first()
        )
        if enterprise is None:
            raise NotFound("法人库中没有该统一社会信用代码，或您无权查看")
        if user.is_staff_member:
            record_audit(
                actor=user,
                action="registries.enterprise.read",
                kind=AuditEntry.Kind.READ,
                obj=enterprise,
                purpose=purpose,
                request=request,
            )
    return enterprise
