"""Core API: authentication tokens, the caller, regions, departments, working days, audit,
local rules."""

import datetime as dt

from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_otp import match_token, user_has_device
from ninja import Query, Router, Schema, Status

from onething.core import district_settings, services, workdays
from onething.core.api_utils import Page, paginate
from onething.core.errors import NotAllowed, ServiceError, Unauthenticated
from onething.core.models import AuditEntry, Department, Region, Role

router = Router()


# --- Authentication ------------------------------------------------------------------------


class TokenRequest(Schema):
    username: str
    password: str
    otp_token: str = ""


class UserOut(Schema):
    username: str
    display_name: str
    role: str
    role_label: str
    department: str | None
    town: str | None
    id_number: str


def user_out(user) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "role_label": user.get_role_display(),
        "department": user.department.code if user.department_id else None,
        "town": user.town.code if user.town_id else None,
        "id_number": user.masked_id_number,
    }


class TokenOut(Schema):
    token: str
    expires_at: dt.datetime
    user: UserOut


@router.post("auth/token", auth=None, response=TokenOut, tags=["认证"])
def create_token(request, payload: TokenRequest):
    """Exchange a username and password (and, for staff where enforced, a TOTP code) for a
    bearer token. Failed attempts count towards the login lockout."""
    from django.conf import settings

    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        raise Unauthenticated("用户名或密码错误", code="invalid_credentials")
    needs_otp = settings.ONETHING_REQUIRE_STAFF_OTP and not user.is_applicant
    if needs_otp and (not user_has_device(user) or match_token(user, payload.otp_token) is None):
        raise Unauthenticated(
            "工作人员须提供有效的动态验证码",
            code="otp_required",
            fields={"otp_token": "动态验证码无效或未填写"},
        )
    token, key = services.issue_api_token(user=user, request=request)
    return {"token": key, "expires_at": token.expires_at, "user": user_out(user)}


@router.delete("auth/token", response={204: None}, tags=["认证"])
def revoke_token(request):
    """Revoke the bearer token this request carries."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise ServiceError("只能注销接口令牌", fields={"Authorization": "需要 Bearer 令牌"})
    services.revoke_api_token(
        user=request.user, key=header.removeprefix("Bearer "), request=request
    )
    return Status(204, None)


@router.get("me", response=UserOut, tags=["认证"])
def me(request):
    return user_out(request.user)


# --- Regions and departments ---------------------------------------------------------------


class RegionOut(Schema):
    code: str
    code12: str
    name: str
    level: str
    level_label: str
    parent_code: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    successor_code: str | None
    is_demo: bool


def region_out(region: Region) -> dict:
    return {
        "code": region.code,
        "code12": region.code12,
        "name": region.name,
        "level": region.level,
        "level_label": region.get_level_display(),
        "parent_code": region.parent.code if region.parent_id else None,
        "valid_from": region.valid_from,
        "valid_to": region.valid_to,
        "successor_code": region.successor.code if region.successor_id else None,
        "is_demo": region.is_demo,
    }


def _regions(request):
    return Region.objects.visible_to(request.user).select_related("parent", "successor")


@router.get("regions/{code}", auth=None, response=RegionOut, tags=["区划与部门"])
def get_region(request, code: str):
    """One region by code, including retired codes (with their validity and successor)."""
    return region_out(get_object_or_404(_regions(request), code=code))


@router.get("regions/{code}/children", auth=None, response=list[RegionOut], tags=["区划与部门"])
def region_children(request, code: str, on: dt.date | None = None):
    """The regions directly under `code` that are valid on `on` (default today)."""
    parent = get_object_or_404(_regions(request), code=code)
    children = _regions(request).filter(parent=parent).valid_on(on or timezone.localdate())
    return [region_out(r) for r in children]


class DepartmentOut(Schema):
    code: str
    name: str
    full_name: str
    kind: str
    kind_label: str
    is_lead: bool
    credit_code: str


@router.get("departments", auth=None, response=list[DepartmentOut], tags=["区划与部门"])
def list_departments(request):
    return [
        {
            "code": d.code,
            "name": d.name,
            "full_name": d.full_name,
            "kind": d.kind,
            "kind_label": d.get_kind_display(),
            "is_lead": d.is_lead,
            "credit_code": d.credit_code,
        }
        for d in Department.objects.visible_to(request.user)
    ]


# --- Working days --------------------------------------------------------------------------


class DueDateOut(Schema):
    start: dt.date
    days: int
    due: dt.date
    provisional: bool
    provisional_reason: str


class WorkingDaysOut(Schema):
    start: dt.date
    end: dt.date
    working_days: int
    provisional: bool
    provisional_reason: str


CALENDAR_RANGE = (dt.date(1950, 1, 1), dt.date(2100, 12, 31))


def _within_calendar(**dates: dt.date) -> None:
    """Dates the platform can reason about; far-off ones (9999-12-31) are refused, not crashed."""
    first, last = CALENDAR_RANGE
    fields = {name: f"日期应在{first.year}至{last.year}年之间" for name, day in dates.items()
              if not first <= day <= last}  # fmt: skip
    if fields:
        raise ServiceError("参数有误：" + "、".join(fields), fields=fields)


@router.get("calendar/add-working-days", auth=None, response=DueDateOut, tags=["工作日"])
def add_working_days(request, start: dt.date, days: int):
    """The day a limit of `days` working days ends; the start day is not counted."""
    if days < 0:
        raise ServiceError("参数有误：days", fields={"days": "工作日数不能为负数"})
    if days > 3650:
        raise ServiceError("参数有误：days", fields={"days": "工作日数不能超过3650"})
    _within_calendar(start=start)
    result = workdays.add_working_days(services.load_calendar(), start, days)
    return {
        "start": result.start,
        "days": result.days,
        "due": result.due,
        "provisional": result.provisional.provisional,
        "provisional_reason": result.provisional.reason,
    }


@router.get("calendar/working-days-between", auth=None, response=WorkingDaysOut, tags=["工作日"])
def working_days_between(request, start: dt.date, end: dt.date):
    """Working days after `start` up to and including `end`."""
    if end < start:
        raise ServiceError("参数有误：end", fields={"end": "结束日期不能早于开始日期"})
    if (end - start).days > 3650 * 2:
        raise ServiceError("参数有误：end", fields={"end": "区间不能超过20年"})
    _within_calendar(start=start, end=end)
    result = workdays.working_days_between(services.load_calendar(), start, end)
    return {
        "start": result.start,
        "end": result.end,
        "working_days": result.working_days,
        "provisional": result.provisional.provisional,
        "provisional_reason": result.provisional.reason,
    }


@router.get("calendar/next-working-day", auth=None, response=DueDateOut, tags=["工作日"])
def next_working_day(request, date: dt.date):
    """The first working day after `date`."""
    _within_calendar(date=date)
    result = workdays.next_working_day(services.load_calendar(), date)
    return {
        "start": result.start,
        "days": 1,
        "due": result.due,
        "provisional": result.provisional.provisional,
        "provisional_reason": result.provisional.reason,
    }


# --- Audit log -----------------------------------------------------------------------------


class AuditFilter(Schema):
    actor: str = ""
    action: str = ""
    kind: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor: str
    actor_role: str
    actor_unit: str
    kind: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict | None
    after: dict | None
    purpose: str


def audit_out(entry: AuditEntry) -> dict:
    return {
        "id": entry.id,
        "at": entry.at,
        "actor": entry.actor_name,
        "actor_role": entry.actor_role,
        "actor_unit": entry.actor_unit,
        "kind": entry.kind,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
        "purpose": entry.purpose,
    }


@router.get("audit", response=Page, tags=["审计"])
def list_audit(request, filters: Query[AuditFilter], limit: int = 50, offset: int = 0):
    """The audit log, newest first; supervisors and system administrators only."""
    from onething.core.selectors import filter_audit

    if request.user.role not in (Role.SUPERVISOR, Role.SYSADMIN):
        raise NotAllowed("只有监督人员和系统管理员可以查看审计日志")
    entries = filter_audit(AuditEntry.objects.visible_to(request.user), **filters.dict())
    return paginate(entries, limit=limit, offset=offset, serialize=audit_out)


# --- Local rules ---------------------------------------------------------------------------


class SettingOut(Schema):
    key: str
    label: str
    type: str
    value: int | bool | str
    default: int | bool | str
    is_default: bool
    source: str
    version: int
    valid_from: dt.datetime | None
    set_by_unit: str
    min: int | None
    max: int | None
    unit: str
    allowed: str


@router.get("settings", response=list[SettingOut], tags=["本地规则设置"])
def list_settings(request):
    """Every local rule (本地规则设置) with the value in force and the clause it comes from.

    Version 0 is the default declared in code. Only the bureau changes a rule, on /settings/.
    """
    return [
        {
            "key": item.spec.key,
            "label": item.spec.label,
            "type": item.spec.type,
            "value": item.value,
            "default": item.spec.default,
            "is_default": item.is_default,
            "source": item.source,
            "version": item.version,
            "valid_from": item.valid_from,
            # The unit answers for a rule; a staff member's name is not public.
            "set_by_unit": item.set_by.unit_name if item.set_by else "",
            "min": item.spec.min,
            "max": item.spec.max,
            "unit": item.spec.unit,
            "allowed": item.spec.allowed,
        }
        for item in district_settings.current_settings(user=request.user)
    ]
