"""POST /api/v1/rules/evaluate: the three results, and 422 in the house error shape."""

import pytest

from onething.registries.models import Enterprise
from onething.rules.tests.catalog import INLINE

URL = "/api/v1/rules/evaluate"
SMALL = {
    "all": [
        {"fact": "employees", "op": "≤", "value": 100},
        {"fact": "industry", "op": "in", "value": ["C39"]},
    ]
}


def post(client, body):
    return client.post(URL, body, content_type="application/json")


@pytest.mark.parametrize(
    ("facts", "result", "missing"),
    [
        ({"employees": 80, "industry": "C39"}, "true", []),
        ({"employees": 520}, "false", []),
        ({"employees": 80}, "unknown", [{"fact": "industry", "label": "行业代码"}]),
    ],
)
def test_evaluate_answers_true_false_or_unknown(client, db, facts, result, missing):
    response = post(client, {"rule": SMALL, "facts": facts, "catalog": INLINE})
    assert response.status_code == 200
    body = response.json()
    assert (body["result"], body["missing"]) == (result, missing)
    assert body["description"] == "同时满足：从业人数 ≤ 100；行业代码为 C39 之一"


def test_evaluate_explains_each_condition(client, db):
    body = post(client, {"rule": SMALL, "facts": {"employees": 520}, "catalog": INLINE}).json()
    assert body["explanation"] == ["✗ 从业人数：要求 ≤ 100，实际 520", "? 行业代码：缺少数据"]


def test_invalid_rule_answers_422_with_paths_and_suggestions(client, db):
    rule = {
        "all": [
            {"fact": "employes", "op": "<=", "value": 1},
            {"fact": "employees", "op": "<=", "value": "x"},
        ]
    }
    response = post(client, {"rule": rule, "facts": {}, "catalog": INLINE})
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "规则有误（2 处）",
            "fields": {
                "$.all[0].fact": (
                    "事实目录“自定义事实目录”中没有“employes”，您是不是要找：employees？"
                ),
                "$.all[1].value": "从业人数是数值，取值应为数字，而不是“x”",
            },
        }
    }


def test_unknown_catalog_and_wrong_facts_are_422(client, db):
    response = post(client, {"rule": SMALL, "facts": {}, "catalog": "company"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "catalog": "没有名为“company”的事实目录，可用：enterprise、person，或内联目录"
    }
    response = post(client, {"rule": SMALL, "facts": {"employees": "80"}, "catalog": INLINE})
    assert response.json()["error"]["fields"] == {"facts.employees": "从业人数应为数字"}
    bad_catalog = {"facts": {"x": {"type": "money", "label": "金额"}}}
    response = post(client, {"rule": SMALL, "facts": {}, "catalog": bad_catalog})
    assert response.json()["error"]["fields"] == {
        "catalog.facts.x.type": "类型应为 number、text、date、boolean、set 之一"
    }


def test_registered_enterprise_catalog_uses_definitions(client, db):
    body = {
        "rule": {"all": [{"ref": "小微企业"}, {"fact": "in_park", "op": "is", "value": True}]},
        "definitions": {"小微企业": {"fact": "employees", "op": "<", "value": 100}},
        "facts": {"employees": 20},
        "catalog": "enterprise",
    }
    answer = post(client, body).json()
    assert answer["result"] == "unknown"
    assert answer["explanation"] == [
        "✓ 从业人数：要求 < 100 人，实际 20 人",
        "? 是否在望城经开区：缺少数据",
    ]
    assert answer["missing"] == [{"fact": "in_park", "label": "是否在望城经开区"}]


def test_demo_district_has_qualifications_that_match_the_registry(district):
    from onething.registries.models import EnterpriseQualification
    from onething.registries.qualifications import load_enterprise_qualifications

    high_tech = set(
        EnterpriseQualification.objects.filter(kind="高新技术企业").values_list(
            "credit_code", flat=True
        )
    )
    assert high_tech == set(
        Enterprise.objects.filter(is_high_tech=True).values_list("credit_code", flat=True)
    )
    assert EnterpriseQualification.objects.exclude(kind="高新技术企业").exists()
    assert load_enterprise_qualifications() == 0  # loading again changes nothing


def test_qualifications_are_visible_as_their_enterprises_are(users):
    from onething.registries.models import EnterpriseQualification

    rows = EnterpriseQualification.objects
    assert not rows.visible_to(users["admin"]).exists()  # as with Enterprise: registry staff only
    for user in users.values():
        visible = rows.visible_to(user)
        codes = set(Enterprise.objects.visible_to(user).values_list("credit_code", flat=True))
        assert set(visible.values_list("credit_code", flat=True)) <= codes
