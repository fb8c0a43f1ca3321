"""Explanation lines, the missing facts that matter, and the readable text of a rule."""

from onething.rules import describe, evaluate, explain, missing
from onething.rules.catalogs import ENTERPRISE
from onething.rules.facts import catalog_from_json
from onething.rules.tests.catalog import CATALOG, leaf

SMALL = {"all": [leaf("employees", "<=", 100), leaf("in_park", "is", True)]}


def test_explanation_marks_each_condition():
    assert explain(SMALL, {"employees": 80}, CATALOG) == [
        "✓ 从业人数：要求 ≤ 100，实际 80",
        "? 是否在望城经开区：缺少数据",
    ]
    assert explain(SMALL, {"employees": 520, "in_park": True}, CATALOG) == [
        "✗ 从业人数：要求 ≤ 100，实际 520",
        "✓ 是否在望城经开区：要求 是，实际 是",
    ]


def test_explanation_uses_units_and_value_labels_of_the_catalog():
    rule = {
        "all": [
            leaf("employees", "<=", 100),
            leaf("status", "=", "active"),
            leaf("qualifications", "contains-any", ["专精特新中小企业", "高新技术企业"]),
            leaf("established_on", "years_before_asof", 2),
        ]
    }
    facts = {
        "employees": 80,
        "status": "revoked",
        "qualifications": set(),
        "established_on": "2025-01-01",
        "asof": "2026-06-30",
    }
    assert explain(rule, facts, ENTERPRISE) == [
        "✓ 从业人数：要求 ≤ 100 人，实际 80 人",
        "✗ 登记状态：要求 = 存续，实际 吊销",
        "✗ 企业资质：要求 包含 专精特新中小企业、高新技术企业 之一，实际 （无）",
        "✗ 成立日期：要求 早于基准日 2 年以上（不晚于 2024-06-30），实际 2025-01-01",
    ]


def test_explanation_under_not_states_the_negated_requirement():
    rule = {"not": leaf("employees", "between", [1, 10])}
    assert explain(rule, {"employees": 5}, CATALOG) == [
        "✗ 从业人数：要求 并非介于 1 与 10 之间（含），实际 5"
    ]
    assert explain({"not": leaf("tags", "is-unknown")}, {}, CATALOG) == [
        "✗ 标签：要求 并非缺少数据，实际 缺少数据"
    ]


def test_missing_is_empty_once_the_result_is_decided():
    assert missing(SMALL, {"employees": 520}, CATALOG) == []
    assert missing(SMALL, {}, CATALOG) == ["employees", "in_park"]


def test_missing_leaves_out_facts_that_cannot_change_the_result():
    # hightech is only asked for when employees ≤ 100 fails; founded could never matter.
    rule = {
        "any": [
            {"all": [leaf("employees", "<=", 100), leaf("tags", "contains", "A")]},
            {"all": [leaf("hightech", "is", True), leaf("founded", "before", "2000-01-01")]},
        ]
    }
    assert missing(rule, {"tags": ["B"], "hightech": False}, CATALOG) == []
    assert evaluate(rule, {"tags": ["B"], "hightech": False}, CATALOG) is False
    assert missing(rule, {"tags": ["A"], "hightech": False}, CATALOG) == ["employees"]
    assert missing(rule, {"tags": ["A"]}, CATALOG) == ["employees", "hightech", "founded"]


def test_missing_tries_conditions_of_one_fact_in_every_combination():
    # employees < 10 or employees > 1000: answering employees may decide either way.
    rule = {
        "all": [
            leaf("in_park", "is", True),
            {"any": [leaf("employees", "<", 10), leaf("employees", ">", 1000)]},
        ]
    }
    assert missing(rule, {"in_park": True}, CATALOG) == ["employees"]


def test_missing_counts_a_fact_asked_about_only_by_is_unknown():
    rule = {"all": [leaf("employees", "is-unknown"), leaf("hightech", "is", True)]}
    assert missing(rule, {}, CATALOG) == ["employees", "hightech"]


def test_describe_reads_as_chinese():
    rule = {"all": [leaf("employees", "<=", 100), leaf("code", "starts-with", "C39")]}
    assert describe(rule, CATALOG) == "同时满足：从业人数 ≤ 100；行业代码（自由填写）以 C39 开头"


def test_describe_brackets_nested_groups_and_names_refs():
    rule = {
        "any": [
            {"ref": "小微企业"},
            {
                "not": {
                    "all": [leaf("hightech", "is", True), leaf("tags", "contains-all", ["A", "B"])]
                }
            },
            leaf("founded", "on-or-after", "2020-01-01"),
            leaf("industry", "in", ["C39", "C40"]),
        ]
    }
    assert describe(rule, CATALOG) == (
        "满足其一：符合「小微企业」；不满足：（同时满足：高新技术企业 = 是；标签包含 A、B 全部）；"
        "成立日期不早于 2020-01-01；行业代码为 C39、C40 之一"
    )


def test_missing_with_too_many_combinations_asks_for_every_fact_mentioned():
    # g is 0, so f10 cannot matter; but 11 missing facts give 3^11 combinations of outcomes,
    # more than are tried, and f10 is asked for too. With 5 missing there is no such shortcut.
    many = {f"f{i}": {"type": "number", "label": f"事实{i}"} for i in range(11)}
    catalog = catalog_from_json({"facts": {**many, "g": {"type": "number", "label": "g"}}})
    never = {"all": [leaf("f10", ">", 1), leaf("g", ">", 1)]}
    rule = {"any": [{"all": [leaf(f"f{i}", ">", 1) for i in range(10)]}, never]}
    assert missing(rule, {"g": 0}, catalog) == list(many)
    known = {"g": 0, **{f"f{i}": 5 for i in range(6)}}
    assert missing(rule, known, catalog) == ["f6", "f7", "f8", "f9"]
