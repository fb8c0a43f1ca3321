"""The demo district: what `make run` loads, and that loading it twice changes nothing."""

import hashlib

import pytest
from django.apps import apps
from django.core.management import call_command

from onething.core.models import Department, Region
from onething.demo.data.departments import DEPARTMENTS

pytestmark = pytest.mark.usefixtures("district")


def database_fingerprint() -> dict[str, str]:
    """A checksum of every row of every onething table."""
    prints = {}
    for model in apps.get_models():
        if not model.__module__.startswith("onething."):
            continue
        rows = model._default_manager.order_by("pk").values_list()
        digest = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
        prints[model._meta.label] = digest
    return prints


def test_loading_the_district_twice_changes_nothing(capsys):
    from conftest import TEST_ENTERPRISES, TEST_PEOPLE, TEST_SEED

    before = database_fingerprint()
    call_command("load_demo", people=TEST_PEOPLE, enterprises=TEST_ENTERPRISES, seed=TEST_SEED)
    assert database_fingerprint() == before
    printed = capsys.readouterr().out
    for username in (
        "admin",
        "supervisor",
        "clerk",
        "reviewer",
        "town-clerk",
        "citizen",
        "enterprise",
    ):
        assert username in printed
    assert "onething-demo" in printed


def test_the_region_tree_comes_from_the_reference_file():
    district = Region.objects.get(code="430112")
    assert district.name == "望城区" and district.parent.code == "4301"
    towns = Region.objects.filter(parent=district, level="town", valid_to__isnull=True)
    assert towns.count() == 16
    assert Region.objects.filter(level="city").count() == 3
    assert Region.objects.get(code="430202").name == "荷塘区"


def test_the_old_baima_code_is_kept_with_its_validity_and_successor(client):
    old = client.get("/api/v1/regions/430112014").json()
    assert old["name"] == "白马街道" and old["valid_to"] == "2021-12-31"
    assert old["successor_code"] == "430112017"
    new = client.get("/api/v1/regions/430112017").json()
    assert new["valid_from"] == "2022-01-01" and new["valid_to"] is None
    children = client.get("/api/v1/regions/430112/children").json()
    codes = [c["code"] for c in children]
    assert "430112017" in codes and "430112014" not in codes
    in_2021 = client.get("/api/v1/regions/430112/children?on=2021-06-01").json()
    assert "430112014" in [c["code"] for c in in_2021]


def test_each_town_has_8_to_15_demo_communities_under_its_code():
    for town in Region.objects.filter(parent__code="430112", level="town", valid_to__isnull=True):
        communities = list(town.children.all())
        assert 8 <= len(communities) <= 15, town.name
        for community in communities:
            assert len(community.code) == 12 and community.code.startswith(town.code)
            assert community.is_demo and community.name.endswith(("社区", "村"))


def test_communities_are_marked_as_demo_data_on_their_page(client):
    page = client.get("/regions/430112001/").content.decode()
    assert "演示数据" in page and "系统生成" in page


def test_every_unit_of_the_work_plan_is_a_department():
    names = set(Department.objects.values_list("name", flat=True))
    assert names == {name for _, name, _, _ in DEPARTMENTS}
    assert len(names) == 30
    assert Department.objects.get(is_lead=True).name == "区行政审批服务局"
    assert Department.objects.get(kind="park").name == "望城经开区"


def test_departments_api_lists_them_in_the_plan_order(client):
    body = client.get("/api/v1/departments").json()
    assert body[0]["name"] == "区行政审批服务局" and body[0]["is_lead"] is True
    assert len(body) == 30
