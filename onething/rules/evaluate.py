"""Three-valued evaluation: True, False, or None when missing facts leave the result unknown.

`all` is false if any part is false, else unknown if any part is unknown, else true; `any` is
its dual; `not` flips true and false and keeps unknown. A missing fact (absent or None) makes
its conditions unknown, except `is-known` / `is-unknown`, which are always decided.
"""

from __future__ import annotations

from onething.rules.conditions import actual_value, asof_of, holds
from onething.rules.facts import FactCatalog


def evaluate(rule, facts: dict, catalog: FactCatalog, definitions: dict | None = None):
    """True, False or None (unknown) for `rule` over `facts` (fact name → value; dates as ISO
    strings or dates, sets as lists or sets). The rule must have passed `check_rule`."""
    return decide(rule, facts, catalog, definitions or {}, asof_of(facts), {})


def all_of(results) -> bool | None:
    unknown = False
    for result in results:
        if result is False:
            return False
        if result is None:
            unknown = True
    return None if unknown else True


def any_of(results) -> bool | None:
    unknown = False
    for result in results:
        if result is True:
            return True
        if result is None:
            unknown = True
    return None if unknown else False


def negate(result: bool | None) -> bool | None:
    return None if result is None else not result


def decide(rule, facts, catalog, definitions, asof, forced: dict) -> bool | None:
    """The evaluator behind `evaluate`; `forced` (id of a condition → bool) overrides those
    conditions, which is how `missing` asks "would answering this change anything?"."""
    if "all" in rule:
        return all_of(decide(p, facts, catalog, definitions, asof, forced) for p in rule["all"])
    if "any" in rule:
        return any_of(decide(p, facts, catalog, definitions, asof, forced) for p in rule["any"])
    if "not" in rule:
        return negate(decide(rule["not"], facts, catalog, definitions, asof, forced))
    if "ref" in rule:
        return decide(definitions[rule["ref"]], facts, catalog, definitions, asof, forced)
    if forced and id(rule) in forced:
        return forced[id(rule)]
    fact = catalog.facts[rule["fact"]]
    return holds(fact, rule["op"], rule.get("value"), actual_value(fact, facts), asof)
