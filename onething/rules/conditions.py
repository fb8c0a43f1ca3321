"""One condition (a leaf `{"fact", "op", "value"}`): whether it holds, and how it reads.

Every backend goes through here, so the Python result, the explanation and the readable text
cannot drift apart. `rules.q` mirrors `holds` in SQL and the property tests keep the two equal.
"""

from __future__ import annotations

import datetime as dt

from onething.rules.facts import DATE, SET, Fact, canonical_op

_COMPARE = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "before": lambda a, b: a < b,
    "after": lambda a, b: a > b,
    "on-or-before": lambda a, b: a <= b,
    "on-or-after": lambda a, b: a >= b,
}
_SYMBOLS = {"=": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}
_DATE_WORDS = {"before": "早于", "after": "晚于", "on-or-before": "不晚于", "on-or-after": "不早于"}


def as_date(value) -> dt.date:
    """An ISO date string (or a date) as a date; raises ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise ValueError(value)


def years_before(asof: dt.date, years: int) -> dt.date:
    """The date `years` years before `asof`; 29 February falls back to the 28th."""
    try:
        return asof.replace(year=asof.year - years)
    except ValueError:
        return asof.replace(year=asof.year - years, day=28)


def asof_of(facts) -> dt.date:
    """The as-of date of `years_before_asof`: `facts["asof"]` (ISO string or date), else today."""
    value = facts.get("asof") if facts else None
    return as_date(value) if value else dt.date.today()


def actual_value(fact: Fact, facts):
    """The fact's value in `facts`, typed; None when it is missing (unknown)."""
    value = facts.get(fact.name)
    if value is None:
        return None
    if fact.type == DATE:
        return as_date(value)
    if fact.type == SET:
        return value if isinstance(value, (set, frozenset)) else set(value)
    return value


def holds(fact: Fact, op: str, expected, actual, asof: dt.date) -> bool | None:
    """Whether the condition holds for `actual`; None when `actual` is None (unknown)."""
    op = canonical_op(op)
    if op == "is-known":
        return actual is not None
    if op == "is-unknown":
        return actual is None
    if actual is None:
        return None
    kind = fact.type
    if kind == DATE:
        if op == "years_before_asof":
            return actual <= years_before(asof, int(expected))
        return _COMPARE[op](actual, as_date(expected))
    if op == "between":
        low, high = expected
        return low <= actual <= high
    if op in _COMPARE:
        return _COMPARE[op](actual, expected)
    if op == "in":
        return actual in expected
    if op == "starts-with":
        return actual.startswith(expected)
    if op == "is":
        return actual is expected or actual == expected
    if op == "contains":
        return expected in actual
    if op == "contains-any":
        return any(v in actual for v in expected)
    if op == "contains-all":
        return all(v in actual for v in expected)
    raise ValueError(f"{kind} 类型不支持运算符 {op}")


def requirement(fact: Fact, op: str, expected, asof: dt.date | None = None) -> str:
    """What the condition asks for, in Chinese: "≤ 100", "以 C39 开头", "包含 A、B 之一"."""
    op = canonical_op(op)
    if op == "is-known":
        return "有数据"
    if op == "is-unknown":
        return "缺少数据"
    if op in _SYMBOLS:
        return f"{_SYMBOLS[op]} {fact.show(expected)}"
    if op == "between":
        return f"介于 {fact.show(expected[0])} 与 {fact.show(expected[1])} 之间（含）"
    if op in _DATE_WORDS:
        return f"{_DATE_WORDS[op]} {as_date(expected).isoformat()}"
    if op == "years_before_asof":
        text = f"早于基准日 {expected} 年以上"
        if asof is not None:
            text += f"（不晚于 {years_before(asof, int(expected)).isoformat()}）"
        return text
    if op == "in":
        return f"为 {fact.show(list(expected))} 之一"
    if op == "starts-with":
        return f"以 {expected} 开头"
    if op == "is":
        return fact.show(bool(expected))
    if op == "contains":
        return f"包含 {fact.show(expected)}"
    if op == "contains-any":
        return f"包含 {fact.show(list(expected))} 之一"
    if op == "contains-all":
        return f"包含 {fact.show(list(expected))} 全部"
    return f"{op} {expected}"


def reads(fact: Fact, op: str, expected, asof: dt.date | None = None) -> str:
    """The whole condition as a phrase: "从业人数 ≤ 100", "行业代码以 C39 开头"."""
    text = requirement(fact, op, expected, asof)
    op = canonical_op(op)
    if op == "is":
        return f"{fact.label} = {text}"
    joiner = " " if op in _SYMBOLS else ""
    return f"{fact.label}{joiner}{text}"
