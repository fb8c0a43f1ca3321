"""Every operator of every type, met, not met and unknown, as one table."""

import pytest

from onething.rules import evaluate
from onething.rules.tests.catalog import CATALOG, leaf

ASOF = "2026-06-30"
CASES = [
    # fact, op, value, actual, expected
    ("employees", "=", 100, 100, True),
    ("employees", "=", 100, 101, False),
    ("employees", "!=", 100, 101, True),
    ("employees", "≠", 100, 100, False),
    ("employees", "<", 100, 99, True),
    ("employees", "<", 100, 100, False),
    ("employees", "<=", 100, 100, True),
    ("employees", "≤", 100, 101, False),
    ("employees", ">", 100, 101, True),
    ("employees", ">", 100, 100, False),
    ("employees", ">=", 100, 100, True),
    ("employees", "≥", 100, 99, False),
    ("employees", "between", [10, 100], 10, True),
    ("employees", "between", [10, 100], 100, True),
    ("employees", "between", [10, 100], 101, False),
    ("employees", "<=", 100.5, 100.5, True),
    ("employees", "<=", 100, None, None),
    ("employees", "between", [1, 2], None, None),
    ("code", "=", "C39", "C39", True),
    ("code", "=", "C39", "c39", False),
    ("code", "!=", "C39", "C40", True),
    ("code", "!=", "C39", "C39", False),
    ("code", "in", ["C39", "C40"], "C40", True),
    ("code", "in", ["C39", "C40"], "C41", False),
    ("code", "starts-with", "C39", "C3911", True),
    ("code", "starts-with", "C39", "C4011", False),
    ("code", "starts-with", "C39", "c3911", False),
    ("code", "=", "C39", None, None),
    ("code", "in", ["C39"], None, None),
    ("founded", "before", "2020-01-01", "2019-12-31", True),
    ("founded", "before", "2020-01-01", "2020-01-01", False),
    ("founded", "after", "2020-01-01", "2020-01-02", True),
    ("founded", "after", "2020-01-01", "2020-01-01", False),
    ("founded", "on-or-before", "2020-01-01", "2020-01-01", True),
    ("founded", "on-or-before", "2020-01-01", "2020-01-02", False),
    ("founded", "on-or-after", "2020-01-01", "2020-01-01", True),
    ("founded", "on-or-after", "2020-01-01", "2019-12-31", False),
    ("founded", "years_before_asof", 3, "2023-06-30", True),
    ("founded", "years_before_asof", 3, "2023-07-01", False),
    ("founded", "years_before_asof", 0, ASOF, True),
    ("founded", "before", "2020-01-01", None, None),
    ("founded", "years_before_asof", 3, None, None),
    ("hightech", "is", True, True, True),
    ("hightech", "is", True, False, False),
    ("hightech", "is", False, False, True),
    ("hightech", "is", True, None, None),
    ("tags", "contains", "A", ["A", "B"], True),
    ("tags", "contains", "A", ["B"], False),
    ("tags", "contains", "A", [], False),
    ("tags", "contains-any", ["A", "C"], ["C"], True),
    ("tags", "contains-any", ["A", "C"], ["B"], False),
    ("tags", "contains-all", ["A", "C"], ["A", "B", "C"], True),
    ("tags", "contains-all", ["A", "C"], ["A", "B"], False),
    ("tags", "contains", "A", None, None),
    ("employees", "is-known", None, 0, True),
    ("employees", "is-known", None, None, False),
    ("tags", "is-known", None, [], True),
    ("hightech", "is-unknown", None, None, True),
    ("hightech", "is-unknown", None, False, False),
    ("founded", "is-unknown", None, "2020-01-01", False),
]


@pytest.mark.parametrize(("fact", "op", "value", "actual", "expected"), CASES)
def test_each_operator_decides_or_stays_unknown(fact, op, value, actual, expected):
    facts = {"asof": ASOF} if actual is None else {fact: actual, "asof": ASOF}
    assert evaluate(leaf(fact, op, value), facts, CATALOG) is expected


def test_years_before_asof_from_29_february_falls_back_to_the_28th():
    rule = leaf("founded", "years_before_asof", 1)
    assert evaluate(rule, {"founded": "2023-02-28", "asof": "2024-02-29"}, CATALOG) is True
    assert evaluate(rule, {"founded": "2023-03-01", "asof": "2024-02-29"}, CATALOG) is False


U, T, F = None, True, False


def _part(value):
    # employees is missing from the facts and hightech is False: {"is": False} holds.
    return leaf("employees", "=", 1) if value is U else leaf("hightech", "is", value is F)


LOGIC = [
    # connective, parts, expected (hightech is False in the facts; employees is unknown)
    ("all", [T, T], T),
    ("all", [T, F], F),
    ("all", [U, F], F),
    ("all", [U, T], U),
    ("any", [F, F], F),
    ("any", [U, T], T),
    ("any", [U, F], U),
    ("any", [F, T], T),
]


@pytest.mark.parametrize(("connective", "parts", "expected"), LOGIC)
def test_all_and_any_follow_three_valued_logic(connective, parts, expected):
    rule = {connective: [_part(p) for p in parts]}
    assert evaluate(rule, {"hightech": False}, CATALOG) is expected


@pytest.mark.parametrize(
    ("facts", "expected"), [({"hightech": True}, F), ({"hightech": False}, T), ({}, U)]
)
def test_not_flips_and_keeps_unknown(facts, expected):
    assert evaluate({"not": leaf("hightech", "is", True)}, facts, CATALOG) is expected


def test_ref_evaluates_the_named_definition():
    definitions = {
        "小微企业": {"all": [leaf("employees", "<", 100), leaf("hightech", "is", False)]}
    }
    rule = {"not": {"ref": "小微企业"}}
    assert evaluate(rule, {"employees": 50, "hightech": False}, CATALOG, definitions) is False
    assert evaluate(rule, {"employees": 500}, CATALOG, definitions) is True
