"""Sign-in, the staff second factor, the audit log page and the local rules page."""

import csv
import datetime as dt

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from onething.core.access import role_required
from onething.core.district_settings import SPECS, SettingSpec, current_settings, history_by_key
from onething.core.errors import ServiceError
from onething.core.models import AuditEntry, Role
from onething.core.models.people import STAFF_ROLES
from onething.core.selectors import filter_audit
from onething.core.services import record_audit
from onething.core.settings_service import change_setting, may_change_settings


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"

    def get_default_redirect_url(self):
        user = self.request.user
        return reverse("web:my") if user.is_applicant else reverse("web:workbench")


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label="动态验证码",
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={"required": "请输入6位动态验证码", "min_length": "动态验证码为6位数字"},
    )


@login_required
def second_factor(request):
    """Enrol a TOTP authenticator on first use, then verify a code to finish signing in."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "id").first()
    if device is None:
        with transaction.atomic():
            device = TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False)
            record_audit(
                actor=user,
                action="core.totpdevice.create",
                obj=device,
                after={"confirmed": False},
                request=request,
            )
    target = request.GET.get("next") or reverse("web:workbench")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("web:workbench")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                if not device.confirmed:
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    record_audit(
                        actor=user,
                        action="core.totpdevice.confirm",
                        obj=device,
                        after={"confirmed": True},
                        request=request,
                    )
                otp_login(request, device)
            return redirect(target)
        form.add_error("token", "动态验证码不正确或已过期，请重新输入")
    qr = None if device.confirmed else segno.make(device.config_url).svg_data_uri(scale=4)
    return render(request, "core/second_factor.html", {"form": form, "qr": qr, "device": device})


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="操作人", required=False)
    action = forms.CharField(label="操作（前缀）", required=False)
    kind = forms.ChoiceField(
        label="类别", required=False, choices=[("", "全部"), *AuditEntry.Kind.choices]
    )
    date_from = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


EXPORT_COLUMNS = [
    ("at", "时间"),
    ("actor_name", "操作人"),
    ("actor_role", "角色"),
    ("actor_unit", "单位"),
    ("kind", "类别"),
    ("action", "操作"),
    ("object_type", "对象类型"),
    ("object_id", "对象标识"),
    ("object_repr", "对象"),
    ("purpose", "查询事由"),
    ("before", "变更前"),
    ("after", "变更后"),
    ("ip_address", "IP地址"),
]


@role_required(Role.SUPERVISOR, Role.SYSADMIN)
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    entries = AuditEntry.objects.visible_to(request.user)
    if form.is_valid():
        entries = filter_audit(entries, **form.cleaned_data)
    elif form.is_bound:
        entries = entries.none()
    if request.GET.get("export") == "csv":
        return _audit_csv(entries)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def _audit_csv(entries) -> HttpResponse:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    return csv_response(
        f"audit-{stamp}.csv",
        [label for _, label in EXPORT_COLUMNS],
        ([getattr(entry, name) for name, _ in EXPORT_COLUMNS]
         for entry in entries.iterator(chunk_size=2000)),
    )  # fmt: skip


def csv_cell(value) -> str:
    """A CSV cell Excel will not run as a formula (OWASP: prefix = + - @ with a quote)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def csv_response(filename: str, header, rows) -> HttpResponse:
    """Every CSV download: UTF-8 with a byte-order mark, so Excel opens the Chinese text
    correctly, and every cell through `csv_cell`."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return response


# --- Local rules (本地规则设置) ---------------------------------------------------------------


class SettingChangeForm(forms.Form):
    """A new version of one local rule. The service validates the value against its spec."""

    source = forms.CharField(
        label="依据",
        max_length=300,
        help_text="新取值所依据的文件名称及条款，如：《……工作方案》三（二）7",
        error_messages={"required": "请填写依据：文件名称及条款"},
    )
    valid_from = forms.DateField(
        label="生效日期",
        required=False,
        help_text="留空或填今天为立即生效；可填以后的日期，届时自动生效",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "日期格式应为 年-月-日"},
    )
    note = forms.CharField(
        label="说明", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, spec: SettingSpec, **kwargs):
        super().__init__(*args, prefix=setting_anchor(spec.key), **kwargs)
        required = {"required": "请填写新取值"}
        if spec.type == "bool":
            value = forms.ChoiceField(
                choices=[("true", "是"), ("false", "否")],
                widget=forms.RadioSelect,
                error_messages={"required": "请选择新取值"},
            )
        elif spec.type == "int":
            attrs = {"inputmode": "numeric", "min": spec.min, "max": spec.max}
            value = forms.CharField(
                widget=forms.NumberInput(attrs={k: v for k, v in attrs.items() if v is not None}),
                error_messages=required,
            )
        else:
            value = forms.CharField(max_length=spec.max, error_messages=required)
        value.label = f"新取值（{spec.unit}）" if spec.unit else "新取值"
        value.help_text = f"可填：{spec.allowed}"
        self.fields = {"value": value, **self.fields}
        self.spec = spec

    def effective_from(self):
        """Today or blank: now. A later date: from the start of that day (Beijing time)."""
        day = self.cleaned_data.get("valid_from")
        if day is None or day == timezone.localdate():
            return None
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def setting_anchor(key: str) -> str:
    return key.replace(".", "-")


@role_required(*STAFF_ROLES, Role.SYSADMIN)
def district_settings(request):
    """Every local rule with its source and history; the bureau adds new versions here."""
    can_change = may_change_settings(request.user)
    bound = None
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied("只有区行政审批服务局的监督人员和系统管理员可以修改本地规则设置")
        spec = SPECS.get(request.POST.get("key", ""))
        if spec is None:
            messages.error(request, "没有这个设置项，请刷新页面后重试")
            return redirect("district_settings")
        bound = SettingChangeForm(request.POST, spec=spec)
        if bound.is_valid():
            try:
                row = change_setting(
                    actor=request.user,
                    key=spec.key,
                    value=bound.cleaned_data["value"],
                    source=bound.cleaned_data["source"],
                    note=bound.cleaned_data["note"],
                    valid_from=bound.effective_from(),
                    base_version=bound.cleaned_data["base_version"],
                    request=request,
                )
            except ServiceError as error:
                for name, text in error.fields.items():
                    bound.add_error(name if name in bound.fields else None, text)
                bound.add_error(None, error.message)
            else:
                when = ""
                if row.valid_from > timezone.now():
                    when = f"，{timezone.localtime(row.valid_from):%Y-%m-%d}起生效"
                messages.success(request, f"已保存“{spec.label}”第{row.version}版{when}")
                return redirect(f"{reverse('district_settings')}#{setting_anchor(spec.key)}")
    history = history_by_key(user=request.user)
    entries = []
    for item in current_settings(user=request.user):
        spec, versions = item.spec, history[item.spec.key]
        latest = versions[0].version if versions else 0
        form = None
        if can_change:
            form = bound if bound is not None and bound.spec.key == spec.key else None
            form = form or SettingChangeForm(spec=spec, initial={"base_version": latest})
        entries.append(
            {
                "item": item,
                "anchor": setting_anchor(spec.key),
                "display": spec.display(item.value),
                "form": form,
                "scheduled_display": spec.display(item.scheduled.value) if item.scheduled else "",
                "history": [(row, spec.display(row.value)) for row in versions],
                "default_display": spec.display(spec.default),
            }
        )
    return render(
        request, "core/district_settings.html", {"entries": entries, "can_change": can_change}
    )
