"""Portal search: Chinese text, full pinyin, initials, synonyms, filters and ranking."""

import copy

import pytest

from onething.catalog import services
from onething.catalog.loader import load_catalog
from onething.catalog.models import ServiceItem, Synonym
from onething.catalog.search import SearchFilters, load_items, search_items, to_pinyin
from onething.catalog.tests.factories import BASE_ITEM
from onething.core.models import Department

pytestmark = pytest.mark.usefixtures("district")


def publish(department="SCJG", **changes):
    data = copy.deepcopy(BASE_ITEM)
    data.update(changes)
    implementer = services.implementer_for_department(Department.objects.get(code=department))
    return services.publish_item(actor=None, data=data, implementer=implementer)


def names(query, **filters):
    hits = search_items(ServiceItem.objects.all(), query, SearchFilters(**filters))
    return [h.item.name for h in load_items(hits)]


def test_pinyin_is_precomputed_per_name():
    assert to_pinyin("出生登记") == ("chushengdengji", "csdj")
    item = publish()
    assert item.pinyin_initials.split(" ")[0] == "cshhjyba"


def test_chinese_full_pinyin_and_initials_all_find_the_item():
    publish()
    for query in ("花卉经营", "测试花卉经营备案", "ceshihuahui", "cshhjyba", "cshh", "CSHH"):
        assert "测试花卉经营备案" in names(query), query
    assert names("卖花") == ["测试花卉经营备案"]  # a keyword citizens use
    assert names("xyzxyz") == []


def test_synonyms_from_the_editable_table_widen_the_search():
    publish()
    assert names("鲜花经营") == []
    Synonym.objects.create(term="鲜花", alias="花卉")
    assert names("鲜花经营") == ["测试花卉经营备案"]


def test_exact_names_rank_first_then_popularity():
    publish(base_code="999000000501", name="测试花卉", popularity=1)
    publish(base_code="999000000502", name="测试花卉种苗经营备案", popularity=500)
    publish(base_code="999000000503", name="测试花卉运输备案", popularity=50)
    assert names("测试花卉") == ["测试花卉", "测试花卉种苗经营备案", "测试花卉运输备案"]


def test_filters_narrow_by_department_audience_and_online_depth():
    publish(base_code="999000000601", name="测试花卉甲", online_depth=3, visits=1)
    publish(department="RS", base_code="999000000602", name="测试花卉乙", audience=["person"])
    assert names("测试花卉", department="RS") == ["测试花卉乙"]
    assert names("测试花卉", audience="person") == ["测试花卉乙"]
    assert names("测试花卉", online_depth=4) == ["测试花卉乙"]


def test_items_of_every_town_come_back_as_one_hit_unless_a_town_is_chosen(write_catalog):
    data = dict(
        copy.deepcopy(BASE_ITEM),
        implementer="towns",
        level=5,
        base_code="999000000701",
        name="测试花卉乡镇备案",
    )
    load_catalog(write_catalog(data))
    hits = search_items(ServiceItem.objects.all(), "测试花卉乡镇")
    assert len(hits) == 1 and hits[0].implementers == 16
    in_town = load_items(
        search_items(ServiceItem.objects.all(), "测试花卉乡镇", SearchFilters(town="430112001"))
    )
    assert len(in_town) == 1 and in_town[0].item.region.code == "430112001"


def test_the_items_api_answers_in_the_documented_shape(client):
    item = publish()
    body = client.get("/api/v1/items?q=cshh").json()
    assert body["count"] >= 1
    first = body["results"][0]
    assert first["code"] == item.implementation_code
    assert {
        "code",
        "name",
        "department",
        "kind",
        "online_depth",
        "promised_days",
        "statutory_days",
    } <= first.keys()
    assert first["department"] == "区市场监管局" and first["kind"] == "行政许可"
    assert client.get("/api/v1/items?online_depth=x").status_code == 422


def test_the_portal_searches_only_the_districts_items(client):
    from django.db.models import Q

    body = client.get("/api/v1/items?q=csdj").json()
    regions = {r["region"] for r in body["results"]}
    assert regions and all(r.startswith("430112") for r in regions)
    assert (
        ServiceItem.objects.filter(name="出生登记")
        .exclude(Q(region__code__startswith="430112"))
        .exists()
    )  # 荷塘区/雨湖区 have it too, for the same-standard report
