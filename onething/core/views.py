"""Sign-in, the staff second factor, and the audit log page."""

import csv
import datetime as dt

import segno
from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from onething.core.access import role_required
from onething.core.models import AuditEntry, Role
from onething.core.selectors import filter_audit
from onething.core.services import record_audit


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
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([label for _, label in EXPORT_COLUMNS])
    for entry in entries.iterator(chunk_size=2000):
        writer.writerow([csv_cell(getattr(entry, name)) for name, _ in EXPORT_COLUMNS])
    return response


def csv_cell(value) -> str:
    """A CSV cell Excel will not run as a formula (OWASP: prefix = + - @ with a quote)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text
