"""Validation at save time: every error names its JSON path and what is allowed."""

import pytest

from onething.rules import InvalidRule, check_rule, rule_errors
from onething.rules.catalogs import ENTERPRISE
from onething.rules.tests.catalog import CATALOG, leaf
from onething.rules.validate import facts_errors


def fields(rule, definitions=None, catalog=CATALOG):
    with pytest.raises(InvalidRule) as raised:
        check_rule(rule, catalog, definitions)
    return raised.value.fields


def test_unknown_fact_suggests_the_nearest_name():
    rule = {"all": [leaf("employees", "<=", 1), leaf("employes", "<=", 100)]}
    assert fields(rule) == {
        "$.all[1].fact": "事实目录“自定义事实目录”中没有“employes”，您是不是要找：employees？"
    }


def test_unknown_fact_suggests_by_chinese_label():
    message = fields(leaf("从业人员", "<=", 1), catalog=ENTERPRISE)["$.fact"]
    assert "您是不是要找：employees" in message


def test_unknown_fact_without_a_near_name_says_so_plainly():
    assert fields(leaf("zzz", "=", 1)) == {"$.fact": "事实目录“自定义事实目录”中没有“zzz”"}


@pytest.mark.parametrize(
    ("rule", "path", "message"),
    [
        (
            leaf("employees", "in", [1]),
            "$.op",
            "从业人数是数值，运算符“in”不可用，可用：=、!=、<、<=、>、>=、between、is-known、is-unknown",
        ),
        (
            leaf("hightech", "<", 1),
            "$.op",
            "高新技术企业是是否，运算符“<”不可用，可用：is、is-known、is-unknown",
        ),
        (leaf("employees", "<=", "100"), "$.value", "从业人数是数值，取值应为数字，而不是“100”"),
        (leaf("employees", "<=", True), "$.value", "从业人数是数值，取值应为数字，而不是“True”"),
        (leaf("employees", "between", [5, 1]), "$.value", "下限 5 大于上限 1"),
        (
            leaf("employees", "between", [5]),
            "$.value",
            "between 的取值应为两个数 [下限, 上限]，含两端",
        ),
        (leaf("industry", "=", "C41"), "$.value", "“C41”不是行业代码的可选值，可选值：C39、C40"),
        (
            leaf("industry", "in", ["C39", "X"]),
            "$.value",
            "“X”不是行业代码的可选值，可选值：C39、C40",
        ),
        (leaf("industry", "starts-with", ""), "$.value", "行业代码是文本，取值应为非空文本"),
        (
            leaf("founded", "before", "2020-13-01"),
            "$.value",
            "成立日期是日期，取值应为 YYYY-MM-DD 格式的日期，而不是“2020-13-01”",
        ),
        (
            leaf("founded", "years_before_asof", -1),
            "$.value",
            "years_before_asof 的取值应为不小于 0 的整数年数",
        ),
        (leaf("hightech", "is", "yes"), "$.value", "高新技术企业是是否题，取值应为 true 或 false"),
        (leaf("tags", "contains-any", []), "$.value", "contains-any 的取值应为非空的文本列表"),
        (leaf("tags", "contains", ["A"]), "$.value", "contains 的取值应为一个文本"),
        (
            {"fact": "employees", "op": "is-known", "value": 1},
            "$.value",
            "运算符 is-known 不需要取值，请删去 value",
        ),
        ({"fact": "employees", "op": "<="}, "$.value", "缺少取值 value"),
        ({"all": []}, "$.all", "应为至少包含一个条件的列表"),
        (
            {"all": [1]},
            "$.all[0]",
            '规则应为对象，如 {"all": [...]} 或 {"fact": ..., "op": ..., "value": ...}',
        ),
        (
            {"any": [{"all": [leaf("employees", "<=", 1)], "any": []}]},
            "$.any[0]",
            "应恰好包含 all、any、not、ref、fact 之一",
        ),
        ({"not": {**leaf("employees", "<=", 1), "extra": 1}}, "$.not.extra", "不认识的键“extra”"),
    ],
)
def test_each_mistake_is_reported_at_its_path(rule, path, message):
    assert fields(rule) == {path: message}


def test_all_mistakes_are_reported_at_once_in_rule_order():
    rule = {"all": [leaf("employes", "<=", 1), {"not": leaf("founded", "after", "soon")}]}
    assert [e.path for e in rule_errors(rule, CATALOG)] == ["$.all[0].fact", "$.all[1].not.value"]


def test_unicode_operators_are_accepted():
    check_rule(
        {"all": [leaf("employees", "≤", 1), leaf("employees", "≥", 0), leaf("employees", "≠", 5)]},
        CATALOG,
    )


def test_unknown_ref_lists_the_definitions():
    assert fields({"ref": "小型企业"}, {"小微企业": leaf("employees", "<", 100)}) == {
        "$.ref": "没有名为“小型企业”的规则定义，可用的定义：小微企业"
    }


def test_ref_cycle_is_reported_with_its_path():
    definitions = {
        "甲": {"all": [leaf("employees", "<", 100), {"ref": "乙"}]},
        "乙": {"not": {"ref": "甲"}},
    }
    assert fields({"ref": "甲"}, definitions) == {
        "$ref(乙).not.ref": "规则定义循环引用：甲 → 乙 → 甲"
    }


def test_errors_inside_a_definition_carry_its_name():
    assert fields({"ref": "小微"}, {"小微": leaf("employees", "<", "x")}) == {
        "$ref(小微).value": "从业人数是数值，取值应为数字，而不是“x”"
    }


def test_a_definition_used_twice_is_not_a_cycle():
    definitions = {"小微": leaf("employees", "<", 100)}
    check_rule({"all": [{"ref": "小微"}, {"not": {"ref": "小微"}}]}, CATALOG, definitions)


def test_facts_of_the_wrong_type_are_named():
    assert facts_errors(
        {"employees": "80", "founded": "2020/01/01", "hightech": None, "asof": "x"}, CATALOG
    ) == {
        "facts.asof": "基准日应为 YYYY-MM-DD 格式的日期",
        "facts.employees": "从业人数应为数字",
        "facts.founded": "成立日期应为YYYY-MM-DD 格式的日期",
    }
