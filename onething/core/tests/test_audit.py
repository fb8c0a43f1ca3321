"""The audit log is append-only and records who changed what, before and after."""

import pytest
from django.db import DatabaseError, connection, transaction

from onething.core import services
from onething.core.models import AuditEntry, WorkCalendarDay

pytestmark = pytest.mark.usefixtures("district")


def test_an_audit_entry_cannot_be_changed_or_deleted(users):
    entry = services.record_audit(actor=users["admin"], action="test.change")
    entry.action = "test.other"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_the_database_refuses_an_update_that_bypasses_the_orm(users):
    entry = services.record_audit(actor=users["admin"], action="test.change")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = 'forged' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.change"


def test_editing_a_calendar_day_in_the_admin_records_before_and_after(client, users):
    day = WorkCalendarDay.objects.get(date="2026-06-19")
    client.force_login(users["admin"])
    response = client.post(
        f"/admin/core/workcalendarday/{day.pk}/change/",
        {"date": "2026-06-19", "is_working_day": "on", "kind": "adjusted_workday", "name": "测试"},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="core.workcalendarday.update").latest("id")
    assert entry.actor == users["admin"]
    assert entry.before["is_working_day"] is False and entry.after["is_working_day"] is True
    # The arithmetic follows the edited table at once.
    assert services.load_calendar().is_working_day(day.date)


def test_an_invalid_admin_edit_changes_nothing_and_logs_nothing(client, users):
    day = WorkCalendarDay.objects.get(date="2026-06-19")
    count = AuditEntry.objects.count()
    client.force_login(users["admin"])
    response = client.post(
        f"/admin/core/workcalendarday/{day.pk}/change/",
        {"date": "not-a-date", "kind": "holiday", "name": "端午节"},
    )
    assert response.status_code == 200  # the form again, with its errors
    day.refresh_from_db()
    assert day.date.isoformat() == "2026-06-19"
    assert AuditEntry.objects.count() == count


def test_supervisor_filters_and_exports_the_audit_log(client, users):
    services.record_audit(
        actor=users["clerk"],
        action="registries.person.read",
        kind="read",
        purpose="办件 WC2026-0001",
    )
    client.force_login(users["supervisor"])
    page = client.get("/workbench/audit/?kind=read&action=registries.")
    assert page.status_code == 200
    assert "办件 WC2026-0001" in page.content.decode()
    export = client.get("/workbench/audit/?kind=read&export=csv")
    text = export.content.decode("utf-8-sig")
    assert export["Content-Type"].startswith("text/csv")
    assert text.splitlines()[0].startswith("时间,操作人")
    assert "办件 WC2026-0001" in text
    assert "core.user.create" not in text  # the filter applies to the export too


def test_nobody_but_supervisors_and_admins_reads_the_audit_log(client, users):
    for name in ("clerk", "reviewer", "town-clerk", "dept-admin", "citizen", "enterprise"):
        client.force_login(users[name])
        assert client.get("/workbench/audit/").status_code == 403
        assert client.get("/api/v1/audit").status_code == 403


def test_the_csv_export_does_not_hand_excel_a_formula(client, users):
    services.record_audit(
        actor=users["clerk"],
        action="registries.person.read",
        kind="read",
        purpose='=HYPERLINK("http://example.invalid")',
    )
    client.force_login(users["supervisor"])
    text = client.get("/workbench/audit/?kind=read&export=csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
