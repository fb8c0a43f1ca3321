"""Publishing items, immutable versions, and the draft → review → publish workflow."""

import pytest

from onething.catalog import services, validation
from onething.catalog.loader import load_catalog
from onething.catalog.models import ItemDraft, ItemVersion, ServiceItem
from onething.core.errors import Conflict, NotAllowed, ServiceError
from onething.core.models import AuditEntry, Department

pytestmark = pytest.mark.usefixtures("district")


def scjg():
    return services.implementer_for_department(Department.objects.get(code="SCJG"))


def test_the_implementation_code_is_credit_code_level_and_base_code(item_data):
    item = services.publish_item(actor=None, data=item_data, implementer=scjg())
    department = Department.objects.get(code="SCJG")
    assert item.implementation_code == f"{department.credit_code}4999000000101"
    assert len(item.implementation_code) == 31
    assert (
        validation.check_implementation_code(
            item.implementation_code,
            credit_code=department.credit_code,
            level=4,
            base_code="999000000101",
        )
        == []
    )
    wrong = validation.check_implementation_code(
        item.implementation_code,
        credit_code=department.credit_code,
        level=5,
        base_code="999000000102",
    )
    assert {p.message for p in wrong} == {
        "实施编码第19位应为行使层级 5",
        "实施编码后12位应为事项基本编码",
    }
    assert item.handling_items.get().code == item.implementation_code + "01"
    assert [m.code[-3:] for m in item.handling_items.get().materials.all()] == ["001", "002"]


def test_full_online_items_must_need_no_visit(item_data):
    item_data["visits"] = 1
    with pytest.raises(ServiceError) as error:
        services.publish_item(actor=None, data=item_data, implementer=scjg())
    assert error.value.fields["visits"] == "网办深度为Ⅳ级（全程网办）的事项，到现场次数必须为0"
    assert not ServiceItem.objects.filter(base_code="999000000101").exists()


def test_publishing_again_adds_a_version_and_keeps_the_old_one_readable(item_data, users, client):
    first = services.publish_item(actor=users["supervisor"], data=item_data, implementer=scjg())
    item_data["promised_limit"]["days"] = 3
    item_data["name"] = "测试花卉经营备案（优化）"
    second = services.publish_item(
        actor=users["supervisor"], data=item_data, implementer=scjg(), note="压缩时限"
    )
    assert first.pk == second.pk
    versions = list(ItemVersion.objects.filter(item=second).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].snapshot["promised_limit"]["days"] == 5
    assert versions[1].snapshot["name"] == "测试花卉经营备案（优化）"
    with pytest.raises(PermissionError):
        versions[0].save()
    old = client.get(f"/api/v1/items/{second.implementation_code}/versions/1").json()
    assert old["item"]["name"] == "测试花卉经营备案"
    history = client.get(f"/api/v1/items/{second.implementation_code}/versions").json()
    assert [v["number"] for v in history] == [2, 1] and history[0]["note"] == "压缩时限"
    assert (
        AuditEntry.objects.filter(
            action="catalog.serviceitem.publish", object_id=str(second.pk)
        ).count()
        == 2
    )


def test_a_version_snapshot_is_exactly_the_published_item(item_data):
    item = services.publish_item(actor=None, data=item_data, implementer=scjg())
    assert item.current_version.snapshot == services.item_to_data(item)


def test_drafts_go_through_review_by_someone_else(item_data, users):
    item = services.publish_item(actor=None, data=item_data, implementer=scjg())
    data = services.item_to_data(item)
    data["visits"] = 2  # still Ⅳ级: cannot be submitted
    draft = services.save_draft(actor=users["reviewer"], item=item, data=data, note="调整")
    with pytest.raises(ServiceError):
        services.submit_draft(actor=users["reviewer"], draft_id=draft.pk)
    draft.data["visits"] = 0
    draft.data["promised_limit"]["days"] = 2
    draft.save()
    services.submit_draft(actor=users["reviewer"], draft_id=draft.pk)
    with pytest.raises(NotAllowed):
        services.publish_draft(actor=users["reviewer"], draft_id=draft.pk)
    with pytest.raises(Conflict):
        services.submit_draft(actor=users["reviewer"], draft_id=draft.pk)
    published = services.publish_draft(actor=users["dept-admin"], draft_id=draft.pk)
    assert published.promised_days == 2 and published.current_version.number == 2
    assert ItemDraft.objects.get(pk=draft.pk).status == "published"


def test_staff_cannot_draft_another_units_item(item_data, users):
    item = services.publish_item(actor=None, data=item_data, implementer=scjg())
    with pytest.raises(NotAllowed):
        services.save_draft(actor=users["clerk"], item=item, data=services.item_to_data(item))


def test_a_catalog_file_with_one_bad_item_loads_nothing(item_data, write_catalog):
    good = dict(item_data)
    bad = dict(item_data, base_code="12345", name="坏事项", online_depth=7)
    folder = write_catalog(good, bad)
    with pytest.raises(ServiceError) as error:
        load_catalog(folder)
    messages = list(error.value.fields.values())
    assert any(m == "TEST.yaml 第2项（坏事项） base_code：基本编码应为12位数字" for m in messages)
    assert any("online_depth" in m for m in messages)
    assert not ServiceItem.objects.filter(base_code="999000000101").exists()


def test_town_items_are_implemented_by_every_town_and_load_once(item_data, write_catalog):
    town_item = dict(item_data, implementer="towns", level=5, base_code="999000000201")
    folder = write_catalog(town_item)
    first = load_catalog(folder)
    assert first["items"] == 16
    assert load_catalog(folder)["items"] == 0
    item = ServiceItem.objects.filter(base_code="999000000201").first()
    assert item.implementing_unit.endswith(("办事处", "人民政府")) and item.level == 5


def test_an_item_that_breaks_the_visit_rule_comes_in_as_a_draft(item_data, write_catalog):
    folder = write_catalog(dict(item_data, visits=1, base_code="999000000301"))
    assert load_catalog(folder)["drafts"] == 1
    assert not ServiceItem.objects.filter(base_code="999000000301").exists()
    draft = ItemDraft.objects.get(data__base_code="999000000301")
    assert draft.status == "in_review"
