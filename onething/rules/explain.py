"""Per-condition explanation in Chinese, for applicants and officers.

✓ 从业人数：要求 ≤ 100，实际 80
✗ 从业人数：要求 ≤ 100，实际 520
? 是否在望城经开区：缺少数据
"""

from __future__ import annotations

from onething.rules.conditions import actual_value, asof_of, holds, requirement
from onething.rules.evaluate import negate
from onething.rules.facts import FactCatalog, canonical_op

MARKS = {True: "✓", False: "✗", None: "?"}


def explain(rule, facts: dict, catalog: FactCatalog, definitions: dict | None = None) -> list[str]:
    """One line per condition, in rule order (through `ref`s): ✓ met, ✗ not met, ? no data.

    A condition under an odd number of `not`s reads "要求并非 …" and is marked by whether that
    negated requirement is met, so every ✗ names something that stands in the way.
    """
    definitions = definitions or {}
    asof = asof_of(facts)
    lines: list[str] = []

    def walk(node, negated: bool):
        if "all" in node or "any" in node:
            for part in node.get("all", node.get("any")):
                walk(part, negated)
        elif "not" in node:
            walk(node["not"], not negated)
        elif "ref" in node:
            walk(definitions[node["ref"]], negated)
        else:
            lines.append(_line(catalog.facts[node["fact"]], node, facts, asof, negated))

    walk(rule, False)
    return lines


def _line(fact, node, facts, asof, negated: bool) -> str:
    actual = actual_value(fact, facts)
    result = holds(fact, node["op"], node.get("value"), actual, asof)
    if negated:
        result = negate(result)
    if result is None:
        return f"? {fact.label}：缺少数据"
    wanted = requirement(fact, node["op"], node.get("value"), asof)
    if negated:
        wanted = f"并非{wanted}"
    knowing = canonical_op(node["op"]) in ("is-known", "is-unknown")
    shown = ("有数据" if actual is not None else "缺少数据") if knowing else fact.show(actual)
    return f"{MARKS[result]} {fact.label}：要求 {wanted}，实际 {shown}"
