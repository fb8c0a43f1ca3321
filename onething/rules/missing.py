"""The missing facts worth asking for: those whose answer could still change the result."""

from __future__ import annotations

from itertools import product

from onething.rules.conditions import actual_value, asof_of
from onething.rules.evaluate import decide
from onething.rules.facts import FactCatalog, canonical_op

# Beyond this many combinations of outcomes, every missing fact mentioned is returned.
_MAX_COMBINATIONS = 1024


def missing(rule, facts: dict, catalog: FactCatalog, definitions: dict | None = None) -> list[str]:
    """Names of facts missing from `facts` whose answer could change the result, in the order the
    rule first mentions them. Empty when the result is already decided.

    A missing fact matters when, for some answers (or none) to the other missing facts, two of
    its own possible outcomes give different results. An outcome of a fact is: unanswered, or
    answered with each of its conditions true or false (once answered, `is-known` holds and
    `is-unknown` does not). Rules with too many missing conditions to try every combination get
    every missing fact they mention: asking once too often beats never asking. Conditions are
    tried independently, so two conditions on one fact that cannot both hold may still make it
    count: the list can hold a fact too many, never one too few.
    """
    definitions = definitions or {}
    asof = asof_of(facts)
    if decide(rule, facts, catalog, definitions, asof, {}) is not None:
        return []
    conditions: dict[str, list[dict]] = {}
    for leaf in conditions_of(rule, definitions):
        if actual_value(catalog.facts[leaf["fact"]], facts) is None:
            leaves = conditions.setdefault(leaf["fact"], [])
            if all(leaf is not seen for seen in leaves):
                leaves.append(leaf)
    outcomes = {name: [{}, *_answers(leaves)] for name, leaves in conditions.items()}
    combinations = 1
    for options in outcomes.values():
        combinations *= len(options)
    if combinations > _MAX_COMBINATIONS:
        return list(conditions)

    def matters(name: str) -> bool:
        others = [options for other, options in outcomes.items() if other != name]
        for chosen in product(*others):
            forced = {key: value for outcome in chosen for key, value in outcome.items()}
            results = {
                decide(rule, facts, catalog, definitions, asof, {**forced, **own})
                for own in outcomes[name]
            }
            if len(results) > 1:
                return True
        return False

    return [name for name in conditions if matters(name)]


def _answers(leaves: list[dict]):
    fixed = {
        id(leaf): canonical_op(leaf["op"]) == "is-known" for leaf in leaves if _about_knowing(leaf)
    }
    free = [leaf for leaf in leaves if not _about_knowing(leaf)]
    for choice in product((True, False), repeat=len(free)):
        yield {**fixed, **{id(leaf): value for leaf, value in zip(free, choice, strict=True)}}


def _about_knowing(leaf: dict) -> bool:
    return canonical_op(leaf["op"]) in ("is-known", "is-unknown")


def conditions_of(rule, definitions: dict) -> list[dict]:
    """Every condition (leaf) of `rule`, in order, through `ref`s."""
    leaves: list[dict] = []

    def walk(node):
        if "all" in node or "any" in node:
            for part in node.get("all", node.get("any")):
                walk(part)
        elif "not" in node:
            walk(node["not"])
        elif "ref" in node:
            walk(definitions[node["ref"]])
        else:
            leaves.append(node)

    walk(rule)
    return leaves
