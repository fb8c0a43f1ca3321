"""Trying a rule: validation against a catalog and the three backends that answer a caller."""

from __future__ import annotations

from onething.core.errors import ServiceError
from onething.rules import describe, evaluate, explain, missing
from onething.rules.facts import (
    CatalogError,
    FactCatalog,
    catalog_from_json,
    registered_catalog,
    registered_catalog_names,
)
from onething.rules.validate import InvalidRule, check_rule, facts_errors

RESULTS = {True: "true", False: "false", None: "unknown"}


def resolve_catalog(catalog) -> FactCatalog:
    """A registered catalog by name, or an inline one; ServiceError (422) otherwise."""
    if isinstance(catalog, str):
        found = registered_catalog(catalog)
        if found is None:
            names = "、".join(registered_catalog_names())
            raise ServiceError(
                f"没有名为“{catalog}”的事实目录",
                fields={"catalog": f"没有名为“{catalog}”的事实目录，可用：{names}，或内联目录"},
            )
        return found
    try:
        return catalog_from_json(catalog)
    except CatalogError as exc:
        raise ServiceError("事实目录有误", fields=exc.errors) from exc


def evaluate_rule(*, rule, facts: dict, catalog, definitions: dict | None = None) -> dict:
    """Validate `rule` over `catalog` and evaluate it on `facts`: the result ("true", "false",
    "unknown"), the explanation lines, the missing facts that matter and the rule's text.

    Raises ServiceError (422) whose fields map JSON paths of the rule (`$.all[1].value`) or of
    the facts (`facts.founded`) to what is wrong.
    """
    fact_catalog = resolve_catalog(catalog)
    try:
        check_rule(rule, fact_catalog, definitions)
    except InvalidRule as exc:
        raise ServiceError(f"规则有误（{len(exc.errors)} 处）", fields=exc.fields) from exc
    facts = _read_facts(facts, fact_catalog)
    result = evaluate(rule, facts, fact_catalog, definitions)
    return {
        "result": RESULTS[result],
        "explanation": explain(rule, facts, fact_catalog, definitions),
        "missing": [
            {"fact": name, "label": fact_catalog.facts[name].label}
            for name in missing(rule, facts, fact_catalog, definitions)
        ],
        "description": describe(rule, fact_catalog),
    }


def _read_facts(facts: dict, catalog: FactCatalog) -> dict:
    errors = facts_errors(facts, catalog)
    if errors:
        raise ServiceError("事实取值有误", fields=errors)
    return facts
