"""Defects a reviewer found by sending real requests; each test replays one."""

import copy
import json

import pytest

from onething.catalog import services as catalog_services
from onething.catalog.tests.factories import BASE_ITEM
from onething.core.errors import Conflict
from onething.core.models import AuditEntry, Department, Region

pytestmark = pytest.mark.usefixtures("district")


def test_the_audit_log_keeps_personal_numbers_masked(client, users):
    citizen = users["citizen"]
    client.force_login(users["admin"])
    client.post(
        f"/admin/core/user/{citizen.pk}/change/",
        {
            "username": citizen.username,
            "display_name": "改名",
            "role": citizen.role,
            "id_number": citizen.id_number,
            "credit_code": "",
            "phone": "13812345678",
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
        },
    )
    entry = AuditEntry.objects.filter(action="core.user.update").latest("id")
    text = json.dumps([entry.before, entry.after], ensure_ascii=False)
    assert citizen.id_number not in text and "13812345678" not in text
    assert "138****5678" in text


def test_a_rule_that_explodes_through_refs_is_refused_quickly(client):
    definitions = {"d0": {"fact": "n", "op": ">", "value": 1}}
    for i in range(1, 15):  # 2^15 conditions once expanded, 16 levels deep
        definitions[f"d{i}"] = {"all": [{"ref": f"d{i - 1}"}, {"ref": f"d{i - 1}"}]}
    response = client.post(
        "/api/v1/rules/evaluate",
        {
            "rule": {"ref": "d14"},
            "facts": {"n": 2},
            "definitions": definitions,
            "catalog": {"facts": {"n": {"type": "number", "label": "数"}}},
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "规则过大" in json.dumps(response.json(), ensure_ascii=False)
    deep = {"fact": "n", "op": ">", "value": 1}
    for _ in range(900):
        deep = {"not": deep}
    response = client.post(
        "/api/v1/rules/evaluate",
        {"rule": deep, "facts": {}, "catalog": {"facts": {"n": {"type": "number", "label": "数"}}}},
        content_type="application/json",
    )
    assert response.status_code == 422


def test_a_clerk_cannot_publish_a_bundle(client, users):
    from onething.bundles.models import Bundle, BundleVersion
    from onething.bundles.publishing import load_bundles

    load_bundles()
    birth = Bundle.objects.get(slug="birth")
    client.force_login(users["clerk"])
    client.post(
        "/workbench/bundles/birth/",
        {
            "definition": json.dumps(birth.definition, ensure_ascii=False),
            "action": "publish",
            "version": "1",
        },
    )
    assert BundleVersion.objects.filter(bundle=birth).count() == 1


def test_a_stale_draft_cannot_undo_a_newer_version(users):
    implementer = catalog_services.implementer_for_department(Department.objects.get(code="SCJG"))
    item = catalog_services.publish_item(
        actor=None, data=copy.deepcopy(BASE_ITEM), implementer=implementer
    )
    first = catalog_services.save_draft(
        actor=users["reviewer"], item=item, data=catalog_services.item_to_data(item)
    )
    second = catalog_services.save_draft(
        actor=users["reviewer"], item=item, data=catalog_services.item_to_data(item)
    )
    for draft in (first, second):
        catalog_services.submit_draft(actor=users["reviewer"], draft_id=draft.pk)
    catalog_services.publish_draft(actor=users["dept-admin"], draft_id=first.pk)
    with pytest.raises(Conflict):
        catalog_services.publish_draft(actor=users["dept-admin"], draft_id=second.pk)


def test_bad_numbers_and_types_are_422s_not_500s(client):
    from onething.bundles.publishing import load_bundles

    load_bundles()
    page = client.post("/bundles/open-restaurant/questions/floor_area/", {"answer": "nan"})
    assert page.status_code in (302, 422)  # 302 only when the question is not shown yet
    api = client.post(
        "/api/v1/bundles/close-company/guidance",
        {"answers": {"licenses": True}},
        content_type="application/json",
    )
    assert api.status_code == 422
    far = client.get("/api/v1/calendar/next-working-day?date=9999-12-31")
    assert far.status_code == 422 and "date" in far.json()["error"]["fields"]


def test_town_staff_can_draft_their_communities_items(users):
    community = Region.objects.filter(parent__code="430112001", level="community").first()
    data = dict(copy.deepcopy(BASE_ITEM), level=6, base_code="999000000121")
    item = catalog_services.publish_item(
        actor=None, data=data, implementer=catalog_services.implementer_for_region(community)
    )
    draft = catalog_services.save_draft(
        actor=users["town-clerk"], item=item, data=catalog_services.item_to_data(item)
    )
    assert draft.item == item
