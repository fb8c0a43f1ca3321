"""Local rules (本地规则设置): declared defaults with sources, versioned changes by the bureau."""

import dataclasses
import datetime as dt

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from onething.core import district_settings
from onething.core.district_settings import SPECS, SettingSpec, current_settings, get_setting
from onething.core.errors import Conflict, NotAllowed, ServiceError
from onething.core.models import AuditEntry, DistrictSetting
from onething.core.settings_service import change_setting

pytestmark = pytest.mark.usefixtures("district")

WORK_PLAN_CLAUSES = {
    "cases.pre_review_days": "1个工作日内预审或受理处理平台申请办件、咨询",
    "ratings.verify_days": "1个工作日内完成差评核实",
    "ratings.rectify_days": "10个工作日内完成差评处置",
}


def change(users, role="supervisor", **kwargs):
    args = {"key": "cases.yellow_days", "value": 3, "source": "区行政审批服务局2026年第1号通知"}
    return change_setting(actor=users[role], **{**args, **kwargs})


# --- Declared defaults -----------------------------------------------------------------------


def test_every_rule_has_its_declared_default_and_source():
    expected = {
        "cases.pre_review_days": 1,
        "cases.yellow_days": 2,
        "ratings.verify_days": 1,
        "ratings.rectify_days": 10,
        "hotline.sign_days": 1,
        "hotline.reply_consultation_days": 2,
        "hotline.reply_help_days": 5,
        "hotline.reply_complaint_days": 5,
        "hotline.reply_suggestion_days": 10,
        "cards.yellow.cases_past_promised": 1,
        "cards.yellow.negative_past_verify": 1,
        "cards.red.cases_past_statutory": 1,
        "cards.red.repeated_yellow_months": 2,
        "indicators.rating_level_coverage_target": 100,
        "indicators.rating_item_coverage_target": 40,
        "indicators.negative_verify_target": 100,
        "indicators.negative_rectify_target": 100,
        "indicators.actual_rating_rate_target": 50,
        "indicators.monthly_level_coverage_target": 100,
        "indicators.monthly_item_coverage_target": 23,
        "indicators.annual_cases_target": 260000,
        "indicators.online_availability_target": 98,
        "indicators.pre_review_target": 100,
        "indicators.good_rating_target": 95,
    }
    assert {key: get_setting(key) for key in SPECS} == expected
    for item in current_settings():
        assert item.is_default and item.source == item.spec.source and item.source
        assert item.spec.parse(item.spec.default) == item.spec.default  # within its own bounds


def test_work_plan_limits_quote_the_plan_exactly():
    # The plan sits next to the region list in the shared reference folder, when present.
    plan = settings.ONETHING_REGIONS_CSV.parent / "work-plan-2021.md"
    plan_text = plan.read_text(encoding="utf-8") if plan.exists() else None
    for key, clause in WORK_PLAN_CLAUSES.items():
        source = SPECS[key].source
        assert "望城区2021年度" in source and clause in source, key
        if plan_text is not None:
            assert clause in plan_text, key
    assert SPECS["cases.yellow_days"].source == "区行政审批服务局设定"
    assert SPECS["hotline.sign_days"].source == "区12345热线工作规范（本地设置）"


def test_an_unknown_key_is_an_error_not_a_default():
    with pytest.raises(KeyError):
        get_setting("cases.pre_reveiw_days")


# --- Changing a rule -------------------------------------------------------------------------


def test_a_change_adds_a_version_and_keeps_the_old_one(users):
    first = change(users, value=3)
    second = change(users, role="admin", value="4", source="区政府常务会议纪要第5号", note="试行")
    assert get_setting("cases.yellow_days") == 4
    history = list(DistrictSetting.objects.filter(key="cases.yellow_days").order_by("version"))
    assert [(row.version, row.value) for row in history] == [(1, 3), (2, 4)]
    assert history[0].source == "区行政审批服务局2026年第1号通知"
    assert (first.set_by, second.set_by) == (users["supervisor"], users["admin"])
    item = next(i for i in current_settings() if i.spec.key == "cases.yellow_days")
    assert (item.value, item.version, item.source, item.note) == (4, 2, second.source, "试行")


def test_a_version_cannot_be_edited_or_deleted(users):
    row = change(users)
    row.value = 9
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        DistrictSetting.objects.filter(pk=row.pk).update(value=9)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_districtsetting SET value = '9' WHERE id = %s", [row.pk])
    assert get_setting("cases.yellow_days") == 3


def test_a_change_is_audited_with_before_and_after(users):
    row = change(users, value=3, note="预警提前")
    entry = AuditEntry.objects.filter(action="core.districtsetting.change").latest("id")
    assert entry.actor == users["supervisor"] and entry.object_id == str(row.pk)
    assert entry.before == {
        "version": 0,
        "value": 2,
        "source": "区行政审批服务局设定",
        "valid_from": None,
    }
    assert entry.after["value"] == 3 and entry.after["version"] == 1
    assert entry.after["note"] == "预警提前"


@pytest.mark.parametrize(
    ("value", "source", "field", "message"),
    [
        ("三", "某文件", "value", "不是整数，可填1至10之间的整数（工作日）"),
        (2.5, "某文件", "value", "不是整数"),
        (True, "某文件", "value", "不是整数"),
        ("1_0", "某文件", "value", "不是整数"),
        (0, "某文件", "value", "超出范围，可填1至10之间的整数（工作日）"),
        (11, "某文件", "value", "超出范围"),
        (3, "  ", "source", "请填写依据：文件名称及条款"),
        (3, "依" * 301, "source", "依据不能超过300个字"),
    ],
)
def test_a_bad_value_or_source_is_refused_and_nothing_is_written(
    users, value, source, field, message
):
    audits = AuditEntry.objects.count()
    with pytest.raises(ServiceError) as caught:
        change(users, value=value, source=source)
    assert caught.value.status == 422
    assert caught.value.fields[field].startswith(message)
    assert "黄色预警阈值" in caught.value.message
    assert not DistrictSetting.objects.exists()
    assert AuditEntry.objects.count() == audits
    assert get_setting("cases.yellow_days") == 2


def test_a_change_cannot_be_backdated(users):
    yesterday = timezone.now() - dt.timedelta(days=1)
    with pytest.raises(ServiceError) as caught:
        change(users, valid_from=yesterday)
    assert "追溯" in caught.value.fields["valid_from"]
    assert not DistrictSetting.objects.exists()


@pytest.mark.parametrize(
    "role", ["citizen", "enterprise", "clerk", "reviewer", "dept-admin", "town-clerk"]
)
def test_only_the_bureau_and_administrators_change_rules(users, role):
    with pytest.raises(NotAllowed) as caught:
        change(users, role=role)
    assert caught.value.status == 403 and "监督人员" in caught.value.message
    assert not DistrictSetting.objects.exists()


def test_a_scheduled_change_takes_effect_on_its_day(users):
    soon = timezone.now() + dt.timedelta(days=3)
    change(users, value=5, valid_from=soon)
    assert get_setting("cases.yellow_days") == 2
    assert get_setting("cases.yellow_days", at=soon) == 5
    item = next(i for i in current_settings() if i.spec.key == "cases.yellow_days")
    assert item.is_default and item.scheduled.value == 5


def test_an_editor_working_from_a_stale_version_gets_a_conflict(users):
    change(users, value=3, base_version=0)
    with pytest.raises(Conflict) as caught:
        change(users, role="admin", value=4, base_version=0)
    assert caught.value.status == 409 and "他人修改" in caught.value.message
    assert get_setting("cases.yellow_days") == 3
    assert DistrictSetting.objects.count() == 1


def test_a_race_for_the_same_version_number_is_a_conflict(users, monkeypatch):
    # Both editors read "no versions yet"; the second insert meets the unique constraint.
    change(users, value=3)
    original = DistrictSetting.objects.filter

    def stale_filter(*args, **kwargs):
        queryset = original(*args, **kwargs)
        return queryset.exclude(version=1) if kwargs == {"key": "cases.yellow_days"} else queryset

    monkeypatch.setattr(DistrictSetting.objects, "filter", stale_filter)
    with pytest.raises(Conflict):
        change(users, role="admin", value=4)
    monkeypatch.undo()
    assert [r.value for r in DistrictSetting.objects.filter(key="cases.yellow_days")] == [3]


def test_boolean_and_text_rules_are_parsed_and_bounded(monkeypatch):
    flag = SettingSpec("test.flag", "测试开关", "bool", False, "测试")
    text = SettingSpec("test.text", "测试文字", "text", "默认", "测试", min=1, max=5)
    assert [flag.parse(v) for v in (True, "是", "false", "1", "OFF")] == [
        True,
        True,
        False,
        True,
        False,
    ]
    with pytest.raises(ValueError, match="是"):
        flag.parse("也许")
    assert text.parse("  你好 ") == "你好"
    with pytest.raises(ValueError, match="不能为空"):
        text.parse(" ")
    with pytest.raises(ValueError, match="不能超过5个字"):
        text.parse("六个字的文字")
    assert (flag.display(True), text.display("你好")) == ("是", "你好")
    assert SPECS["ratings.rectify_days"].display(10) == "10 个工作日"


def test_a_boolean_rule_round_trips_through_the_service(users, monkeypatch):
    flag = SettingSpec("test.flag", "测试开关", "bool", False, "测试")
    monkeypatch.setitem(district_settings.SPECS, "test.flag", flag)
    change(users, key="test.flag", value="是")
    assert get_setting("test.flag") is True


def test_an_unknown_key_cannot_be_set(users):
    with pytest.raises(ServiceError) as caught:
        change(users, key="cases.no_such_rule")
    assert "key" in caught.value.fields


# --- Page and API ----------------------------------------------------------------------------


def test_the_api_lists_every_rule_with_value_and_source(client, users):
    change(users, value=3)
    client.force_login(users["citizen"])
    response = client.get("/api/v1/settings")
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.json()}
    assert set(rows) == set(SPECS)
    assert rows["cases.yellow_days"] | {"valid_from": None} == {
        "key": "cases.yellow_days",
        "label": "黄色预警阈值（剩余工作日）",
        "type": "int",
        "value": 3,
        "default": 2,
        "is_default": False,
        "source": "区行政审批服务局2026年第1号通知",
        "version": 1,
        "valid_from": None,
        "set_by_unit": users["supervisor"].unit_name,
        "min": 1,
        "max": 10,
        "unit": "工作日",
        "allowed": "1至10之间的整数（工作日）",
    }
    assert rows["ratings.rectify_days"]["is_default"] and rows["ratings.rectify_days"]["value"]
    assert users["supervisor"].display_name not in response.content.decode()


def test_the_api_needs_a_signed_in_caller(client):
    response = client.get("/api/v1/settings")
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"


def test_the_supervisor_changes_a_rule_on_the_page_and_sees_its_history(client, users):
    client.force_login(users["supervisor"])
    page = client.get("/settings/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "1个工作日内完成差评核实" in text and "保存为新版本" in text
    response = client.post(
        "/settings/",
        {
            "key": "ratings.rectify_days",
            "ratings-rectify_days-value": "8",
            "ratings-rectify_days-source": "区行政审批服务局2026年第2号通知",
            "ratings-rectify_days-note": "缩短整改期限",
            "ratings-rectify_days-base_version": "0",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("/settings/#ratings-rectify_days")
    assert get_setting("ratings.rectify_days") == 8
    text = client.get("/settings/").content.decode()
    assert "8 个工作日" in text and "第1版" in text
    assert "区行政审批服务局2026年第2号通知" in text and "10 个工作日" in text  # the history


def test_a_bad_value_on_the_page_is_explained_next_to_the_field(client, users):
    client.force_login(users["admin"])
    response = client.post(
        "/settings/",
        {
            "key": "cases.pre_review_days",
            "cases-pre_review_days-value": "9",
            "cases-pre_review_days-source": "某文件",
            "cases-pre_review_days-base_version": "0",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="id_cases-pre_review_days-value_error"' in text
    assert 'aria-describedby="id_cases-pre_review_days-value_helptext ' in text
    assert "超出范围，可填1至5之间的整数" in text and 'aria-invalid="true"' in text
    assert not DistrictSetting.objects.exists()


def test_staff_read_the_page_without_a_form_and_cannot_post(client, users):
    client.force_login(users["clerk"])
    page = client.get("/settings/")
    assert page.status_code == 200 and "保存为新版本" not in page.content.decode()
    refused = client.post(
        "/settings/",
        {
            "key": "cases.yellow_days",
            "cases-yellow_days-value": "3",
            "cases-yellow_days-source": "x",
        },
    )
    assert refused.status_code == 403
    assert not DistrictSetting.objects.exists()
    client.force_login(users["citizen"])
    assert client.get("/settings/").status_code == 403


def test_specs_are_frozen_declarations():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SPECS["cases.yellow_days"].default = 9
