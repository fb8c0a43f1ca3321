"""The bureau's catalog reports, each checked on items whose right answers are worked out here."""

import copy
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from onething.catalog import reports, services
from onething.catalog.models import ItemDraft
from onething.catalog.tests.factories import BASE_ITEM
from onething.core.models import Department, Region

pytestmark = pytest.mark.usefixtures("district")


def data(**changes):
    item = copy.deepcopy(BASE_ITEM)
    item.update(changes)
    return item


def scjg():
    return services.implementer_for_department(Department.objects.get(code="SCJG"))


def test_same_standard_lists_every_differing_field_by_implementer(users):
    mine = services.publish_item(actor=None, data=data(), implementer=scjg())
    theirs = data(promised_limit={"days": 10, "unit": "working_day", "note": ""})
    theirs["handling_items"][0]["materials"].append(
        dict(theirs["handling_items"][0]["materials"][0], name="场所平面图")
    )
    hetang = services.implementer_for_region(Region.objects.get(code="430202"))
    services.publish_item(actor=None, data=theirs, implementer=hetang)
    group = next(
        g
        for g in reports.same_standard(users["supervisor"])["results"]
        if g["base_code"] == "999000000101"
    )
    assert group["implementers"] == 2 and not group["same"]
    fields = {d["field"]: d for d in group["differences"]}
    assert set(fields) == {"promised_limit", "materials"}
    values = {v["code"]: v["value"] for v in fields["promised_limit"]["values"]}
    assert values[mine.implementation_code] == "5个工作日"
    assert set(values.values()) == {"5个工作日", "10个工作日"}


def test_four_reductions_compare_with_the_catalog_on_the_baseline_date(users):
    before = data(
        steps=["申请", "初审", "受理", "审查", "复核", "决定", "送达"],
        promised_limit={"days": 15, "unit": "working_day", "note": ""},
        visits=2,
        online_depth=3,
        fees=[{"name": "审查费", "standard": "50元", "basis": "旧文件", "waivable": False}],
    )
    before["handling_items"][0]["materials"].append(
        dict(before["handling_items"][0]["materials"][0], name="房产证明")
    )

    def totals(day):
        rows = reports.four_reductions(users["supervisor"], day)["results"]
        total = next((r for r in rows if r["unit"] == "合计"), None)
        measures = ("steps", "materials", "promised_days", "fees", "visits")
        if total is None:
            return {"items": 0, **{m: (0, 0) for m in measures}}
        return {
            "items": total["item_count"],
            **{m: (total[m]["before"], total[m]["after"]) for m in measures},
        }

    start, early = totals(dt.date(2021, 1, 1)), totals(dt.date(2020, 12, 29))
    old_day = timezone.make_aware(dt.datetime(2020, 12, 30, 10))
    services.publish_item(actor=None, data=before, implementer=scjg(), published_at=old_day)
    services.publish_item(actor=None, data=data(), implementer=scjg(), note="四减")
    end = totals(dt.date(2021, 1, 1))
    delta = {
        k: (end[k] - start[k])
        if k == "items"
        else (end[k][0] - start[k][0], end[k][1] - start[k][1])
        for k in end
    }
    # This item: 7 → 5 steps, 3 → 2 materials, 15 → 5 days, 1 → 0 fees, 2 → 0 visits.
    assert delta == {
        "items": 1,
        "steps": (7, 5),
        "materials": (3, 2),
        "promised_days": (15, 5),
        "fees": (1, 0),
        "visits": (2, 0),
    }
    row = next(
        r
        for r in reports.four_reductions(users["supervisor"], dt.date(2021, 1, 1))["results"]
        if r["unit"] == "区市场监管局"
    )
    assert row["promised_days"]["reduction"] >= 10
    # On a day before its first version the item did not exist: it is not counted.
    assert totals(dt.date(2020, 12, 29)) == early


def test_online_availability_counts_levels_and_lists_the_shortfall(users):
    baseline = reports.online_availability(users["supervisor"])
    before = next(
        (r for r in baseline["results"] if r["unit"] == "区市场监管局"),
        {"total": 0, "level3": 0, "level4": 0},
    )
    services.publish_item(actor=None, data=data(base_code="999000000801"), implementer=scjg())
    services.publish_item(
        actor=None,
        data=data(base_code="999000000802", online_depth=2, visits=1, name="测试低网办事项"),
        implementer=scjg(),
    )
    row = next(
        r
        for r in reports.online_availability(users["supervisor"])["results"]
        if r["unit"] == "区市场监管局"
    )
    assert (row["total"], row["level3"], row["level4"]) == (
        before["total"] + 2,
        before["level3"] + 1,
        before["level4"] + 1,
    )
    assert row["level3_rate"] == round(row["level3"] / row["total"], 4)
    assert row["met"] is (row["level3"] / row["total"] >= 0.98) and row["met"] is False
    assert "测试低网办事项" in [s["name"] for s in row["short"]]


def test_consistency_lists_each_kind_of_defect(users):
    bad = data(
        base_code="999000000901",
        name="测试缺陷事项",
        promised_limit={"days": 30, "unit": "working_day", "note": ""},
        fees=[{"name": "工本费", "standard": "5元", "basis": "", "waivable": False}],
    )
    bad["handling_items"][0]["materials"][1]["legal_basis"] = ""
    services.publish_item(actor=None, data=bad, implementer=scjg())
    ItemDraft.objects.create(
        department=Department.objects.get(code="SCJG"),
        region=Region.objects.get(code="430112"),
        data=data(name="测试草稿缺陷", visits=1),
        status="in_review",
    )
    result = reports.consistency(users["supervisor"])
    mine = [(d["name"], d["field"]) for d in result["results"]]
    assert ("测试缺陷事项", "promised_limit") in mine
    assert ("测试缺陷事项", "fees") in mine
    assert ("测试缺陷事项", "materials") in mine
    assert ("测试草稿缺陷", "visits") in mine


def test_reports_are_for_the_bureau_and_export_to_excel(client, users):
    services.publish_item(actor=None, data=data(), implementer=scjg())
    client.force_login(users["reviewer"])
    assert client.get("/api/v1/catalog/reports/consistency").status_code == 403
    assert client.get("/workbench/catalog/reports/consistency/").status_code == 403
    client.force_login(users["supervisor"])
    assert client.get("/api/v1/catalog/reports/online-availability").json()["target"] == 0.98
    response = client.get("/workbench/catalog/reports/online-availability/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][:4] == ["单位", "事项数", "Ⅲ级及以上", "网上可办率"]
    assert any(row[0].value == "合计" for row in sheet.iter_rows(min_row=2))
