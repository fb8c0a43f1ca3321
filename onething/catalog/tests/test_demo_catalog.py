"""The demo catalog the district loads: its size, its planted defects and differences, and
that search and the reports find them."""

import datetime as dt

import pytest
from django.db.models import Count

from onething.catalog import reports
from onething.catalog.models import ItemDraft, ServiceItem
from onething.catalog.search import load_items, search_items

pytestmark = pytest.mark.usefixtures("district")


def district_items():
    return ServiceItem.objects.filter(region__code="430112")


def test_the_demo_catalog_is_a_real_districts_size():
    # Distinct items of 望城区: its departments' and park's, plus those every town and every
    # community implements (each counted once).
    towns = ServiceItem.objects.filter(level=5, region__parent__code="430112")
    communities = ServiceItem.objects.filter(level=6, region__parent__parent__code="430112")
    distinct = (
        district_items().values("department", "base_code").distinct().count()
        + towns.values("base_code").distinct().count()
        + communities.values("base_code").distinct().count()
    )
    assert distinct >= 300
    assert district_items().values("department").distinct().count() >= 20
    assert ServiceItem.objects.filter(level=5, region__parent__code="430112").count() >= 16 * 20
    assert ServiceItem.objects.filter(level=6, region__parent__parent__code="430112").exists()
    kinds = dict(district_items().values_list("kind__code").annotate(n=Count("*")))
    assert {"01", "05", "07", "20"} <= set(kinds)
    names = set(district_items().values_list("name", flat=True))
    for name in ("食品经营许可", "个体工商户设立登记", "出生登记", "社会保障卡申领", "结婚登记"):
        assert any(name in n for n in names), name


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("csdj", "出生登记"),
        ("chushengdengji", "出生登记"),
        ("上户口", "出生登记"),
        ("社保卡", "社会保障卡申领"),
        ("shipinjingying", "食品经营许可"),
    ],
)
def test_search_puts_the_item_a_citizen_means_first(query, expected):
    hits = load_items(search_items(ServiceItem.objects.all(), query)[:3])
    assert hits and hits[0].item.name.startswith(expected), [h.item.name for h in hits[:3]]


def test_the_planted_defects_are_all_reported(users):
    found = {(d["name"], d["field"]) for d in reports.consistency(users["supervisor"])["results"]}
    for name, field in [
        ("拆除人民防空工程审批", "promised_limit"),
        ("高危险性体育项目经营许可", "promised_limit"),
        ("娱乐场所经营许可", "materials"),
        ("农村村民宅基地审批", "materials"),
        ("人力资源服务备案", "visits"),
        ("代理记账机构审批", "visits"),
    ]:
        assert (name, field) in found, (name, field)
    fee_items = {n for n, f in found if f == "fees"}
    assert len(fee_items) == 2
    assert ItemDraft.objects.filter(status="in_review", created_by=None).count() == 2


def test_same_standard_finds_the_planted_cross_city_differences(users):
    groups = {g["name"]: g for g in reports.same_standard(users["supervisor"])["results"]}
    food = groups["食品经营许可"]
    assert {"430112", "430202", "430302"} <= set(food["regions"])
    fields = {d["field"] for d in food["differences"]}
    assert {"promised_limit", "materials"} <= fields


def test_four_reductions_against_2021_show_every_measure_reduced(users):
    result = reports.four_reductions(users["supervisor"], dt.date(2021, 1, 1))
    total = next(r for r in result["results"] if r["unit"] == "合计")
    assert total["item_count"] >= 20
    for measure in ("steps", "materials", "promised_days", "fees", "visits"):
        assert total[measure]["after"] < total[measure]["before"], measure


def test_online_availability_falls_short_of_98_percent_with_the_items_named(users):
    result = reports.online_availability(users["supervisor"])
    total = next(r for r in result["results"] if r["unit"] == "合计")
    assert total["level3"] <= total["total"] and total["met"] is False
    short = [s for r in result["results"] for s in r["short"]]
    assert short and all(s["online_depth"] < 3 for s in short)


def test_the_parks_delegated_items_are_published(client):
    rows = client.get("/api/v1/delegations?to=JKQ").json()
    assert len(rows) >= 10
    assert all(r["to"] == "望城经开区" and r["is_illustrative"] for r in rows)
    assert {"建筑工程施工许可证核发", "企业投资项目备案"} <= {r["item_name"] for r in rows}
    page = client.get("/delegations/JKQ/").content.decode()
    assert "望城经开区赋权事项目录" in page and "建筑工程施工许可证核发" in page


def test_a_community_page_lists_its_nearby_service_items(client):
    community = ServiceItem.objects.filter(level=6).values_list("region__code", flat=True).first()
    page = client.get(f"/regions/{community}/").content.decode()
    assert "就近办事项" in page
