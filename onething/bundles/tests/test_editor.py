"""The staff bundle editor: live validation, preview, try-it, publishing a new version."""

import json

import pytest

from onething.bundles.models import Bundle, BundleVersion
from onething.bundles.publishing import load_bundles

pytestmark = pytest.mark.usefixtures("district")


@pytest.fixture
def birth(db):
    load_bundles()
    return Bundle.objects.get(slug="birth")


def test_only_the_lead_bureau_and_supervisors_edit_bundles(client, users, birth):
    for name, status in (
        ("reviewer", 403),
        ("town-clerk", 403),
        ("citizen", 403),
        ("clerk", 200),
        ("supervisor", 200),
    ):
        client.force_login(users[name])
        assert client.get("/workbench/bundles/birth/").status_code == status, name


def test_a_broken_rule_is_reported_with_its_path_and_nothing_is_published(client, users, birth):
    client.force_login(users["clerk"])
    definition = json.loads(json.dumps(birth.definition))
    definition["members"][0]["applies_if"] = {"fact": "cert_statu", "op": "=", "value": "lost"}
    response = client.post(
        "/workbench/bundles/birth/",
        {"definition": json.dumps(definition, ensure_ascii=False), "action": "publish"},
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "$.members[0].applies_if" in page and "cert_status" in page  # did you mean …
    assert BundleVersion.objects.filter(bundle=birth).count() == 1
    htmx = client.post("/workbench/bundles/birth/", {"definition": "{"}, HTTP_HX_REQUEST="true")
    assert "不是有效的 JSON" in htmx.content.decode() and "<html" not in htmx.content.decode()


def test_try_it_then_publish_a_new_version(client, users, birth):
    client.force_login(users["supervisor"])
    text = json.dumps(birth.definition, ensure_ascii=False)
    tried = client.post(
        "/workbench/bundles/birth/",
        {
            "definition": text,
            "answers": '{"parents_local": false, "cert_status": "lost"}',
            "action": "try",
        },
    ).content.decode()
    assert "试运行结果" in tried and "出生医学证明补发" in tried
    assert "显示条件" in tried  # the readable preview of show_if rules
    response = client.post(
        "/workbench/bundles/birth/", {"definition": text, "action": "publish", "note": "复核"}
    )
    assert response.status_code == 302
    assert list(BundleVersion.objects.filter(bundle=birth).values_list("number", flat=True)) == [
        2,
        1,
    ]
