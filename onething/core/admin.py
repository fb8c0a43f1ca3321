"""The admin, for system administrators. Every list goes through the model's visibility rule
and every save or delete through the audited services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.shortcuts import redirect, render
from django.urls import path

from onething.core import services
from onething.core.errors import ServiceError
from onething.core.models import (
    ApiToken,
    AuditEntry,
    CalendarYear,
    Department,
    DistrictSetting,
    OutboxMessage,
    Region,
    User,
    WorkCalendarDay,
)

# Roles are onething's own (User.role); Django's groups are not used.
admin.site.unregister(Group)


class AuditedModelAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return self.model._default_manager.visible_to(request.user)

    def save_model(self, request, obj, form, change):
        services.save_with_audit(actor=request.user, obj=obj, request=request)

    def delete_model(self, request, obj):
        services.delete_with_audit(actor=request.user, obj=obj, request=request)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.delete_with_audit(actor=request.user, obj=obj, request=request)


class ReadOnlyAdmin(AuditedModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "level", "parent", "valid_from", "valid_to", "is_demo"]
    list_filter = ["level", "is_demo"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent", "successor"]


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "full_name", "kind", "is_lead", "credit_code"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "full_name"]


@admin.register(User)
class OnethingUserAdmin(AuditedModelAdmin, UserAdmin):
    list_display = ["username", "display_name", "role", "department", "town", "is_active"]
    list_filter = ["role", "is_active", "department"]
    search_fields = ["username", "display_name"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("身份", {"fields": ["display_name", "role", "department", "town", "phone"]}),
        ("申请人证件", {"fields": ["id_number", "credit_code"]}),
        ("状态", {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "fields": [
                    "username",
                    "password1",
                    "password2",
                    "display_name",
                    "role",
                    "department",
                    "town",
                    "id_number",
                    "credit_code",
                ]
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(AuditedModelAdmin):
    list_display = ["date", "is_working_day", "kind", "name"]
    list_filter = ["kind", "is_working_day"]
    date_hierarchy = "date"
    search_fields = ["name"]


class ScheduleImportForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=2004, max_value=2100)
    source = forms.CharField(label="依据（通知文号）", max_length=200)
    text = forms.CharField(
        label="放假安排",
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="每行一项：2027-01-01 至 2027-01-03 放假 元旦；2027-02-07 上班 春节调休",
    )


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedModelAdmin):
    list_display = ["year", "source", "updated_at"]
    change_list_template = "admin/core/calendaryear/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="core_calendaryear_import",
            )
        ]
        return extra + super().get_urls()

    def import_view(self, request):
        form = ScheduleImportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                entry = services.import_schedule(actor=request.user, **form.cleaned_data)
            except ServiceError as error:
                form.add_error(None, error.message)
                for where, message in error.fields.items():
                    line = where.removeprefix("line ")
                    form.add_error(None, f"第{line}行：{message}" if line.isdigit() else message)
            else:
                messages.success(request, f"已录入 {entry}")
                return redirect("admin:core_calendaryear_changelist")
        context = {**self.admin_site.each_context(request), "form": form, "title": "录入放假安排"}
        return render(request, "admin/core/calendaryear/import.html", context)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_name", "kind", "action", "object_repr", "purpose"]
    list_filter = ["kind"]
    search_fields = ["actor_name", "action", "object_id"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "user", "created_at", "expires_at", "revoked_at"]


@admin.register(DistrictSetting)
class DistrictSettingAdmin(ReadOnlyAdmin):
    """Versions are added on /settings/ (validated against the declared spec), not here."""

    list_display = ["key", "version", "value", "valid_from", "set_by", "source"]
    list_filter = ["key"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Delivery state for operators; `send_notifications --requeue-failed` retries failures."""

    list_display = ["created_at", "channel", "masked_address", "subject", "status", "attempts"]
    list_filter = ["status", "channel"]
    # The address stays masked here too; the full one is only used to send.
    fields = [
        "channel",
        "masked_address",
        "subject",
        "body",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description="地址")
    def masked_address(self, obj):
        return obj.masked_address
