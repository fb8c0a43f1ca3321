"""Compiling a rule to a Django `Q`, so that thousands of records are matched in the database.

`to_q(rule, catalog)` matches exactly the records for which `evaluate` is True: negation is
pushed down to the conditions (De Morgan) and every condition on a nullable column also
requires the column to be filled in, so an unknown value never matches, however many `not`s
surround it. NOT(employees ≤ 100) becomes employees > 100 AND employees IS NOT NULL. Set facts
stored as rows of another table compile to `key IN (subquery)`.
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db.models import Q
from django.db.models.functions import Substr
from django.db.models.lookups import Exact

from onething.rules.conditions import as_date, years_before
from onething.rules.facts import DATE, Fact, FactCatalog, canonical_op

_LOOKUPS = {
    "=": "exact",
    "<": "lt",
    "<=": "lte",
    ">": "gt",
    ">=": "gte",
    "before": "lt",
    "after": "gt",
    "on-or-before": "lte",
    "on-or-after": "gte",
    "is": "exact",
    "in": "in",
}
# Negated order comparisons flip their lookup instead of wrapping it in NOT.
_COMPLEMENTS = {"lt": "gte", "lte": "gt", "gt": "lte", "gte": "lt"}
ALWAYS = Q(pk__isnull=False)
NEVER = Q(pk__isnull=True)


def to_q(
    rule, catalog: FactCatalog, definitions: dict | None = None, *, asof: dt.date | None = None
) -> Q:
    """A `Q` over `catalog.model` matching the records for which `rule` evaluates to True.

    `to_q({"not": rule}, …)` matches those for which it is False; records where it is unknown
    match neither. `asof` (default today) is the as-of date of `years_before_asof`. Raises
    ValueError naming a fact that has no place in the database.
    """
    compiler = _Compiler(catalog, definitions or {}, asof or dt.date.today())
    return compiler.compile(rule, negated=False)


class _Compiler:
    def __init__(self, catalog: FactCatalog, definitions: dict, asof: dt.date):
        self.catalog = catalog
        self.definitions = definitions
        self.asof = asof

    def compile(self, node, *, negated: bool) -> Q:
        if "all" in node or "any" in node:
            parts = [self.compile(p, negated=negated) for p in node.get("all", node.get("any"))]
            conjunction = ("all" in node) != negated  # De Morgan
            combined = parts[0]
            for part in parts[1:]:
                combined = (combined & part) if conjunction else (combined | part)
            return combined
        if "not" in node:
            return self.compile(node["not"], negated=not negated)
        if "ref" in node:
            return self.compile(self.definitions[node["ref"]], negated=negated)
        return self.condition(node, negated=negated)

    def condition(self, node, *, negated: bool) -> Q:
        fact = self.catalog.facts[node["fact"]]
        op = canonical_op(node["op"])
        value = node.get("value")
        if fact.relation is not None:
            return self.set_condition(fact, op, value, negated=negated)
        if fact.presence_of:
            if op in ("is-known", "is-unknown"):
                return ALWAYS if (op == "is-known") != negated else NEVER
            present = bool(value) != negated
            return Q(**{f"{fact.presence_of}__isnull": not present})
        if not fact.orm_path:
            raise ValueError(f"事实“{fact.label}”不在数据库中，无法用于查询")
        path = fact.orm_path
        known = Q(**{f"{path}__isnull": False})
        if op in ("is-known", "is-unknown"):
            return known if (op == "is-known") != negated else ~known
        return self.matches(fact, path, op, value, negated=negated) & known

    def matches(self, fact: Fact, path: str, op: str, value, *, negated: bool) -> Q:
        """The condition (or its complement) on a filled-in column; the caller adds NOT NULL."""
        if op == "between" and negated:
            return Q(**{f"{path}__lt": value[0]}) | Q(**{f"{path}__gt": value[1]})
        if op == "years_before_asof":
            lookup = _COMPLEMENTS["lte"] if negated else "lte"
            return Q(**{f"{path}__{lookup}": years_before(self.asof, int(value))})
        lookup = _LOOKUPS.get(op)
        if negated and lookup in _COMPLEMENTS:
            value = as_date(value) if fact.type == DATE else value
            return Q(**{f"{path}__{_COMPLEMENTS[lookup]}": value})
        matches = self.positive(fact, path, op, value)
        return ~matches if negated else matches

    def positive(self, fact: Fact, path: str, op: str, value) -> Q:
        if op == "!=":
            return ~Q(**{path: value})
        if op == "between":
            return Q(**{f"{path}__gte": value[0], f"{path}__lte": value[1]})
        if op == "starts-with":
            # Not __startswith: SQLite's LIKE ignores ASCII case and Python's startswith does not.
            return Q(Exact(Substr(path, 1, len(value)), value))
        if fact.type == DATE:
            value = as_date(value)
        return Q(**{f"{path}__{_LOOKUPS[op]}": value})

    def set_condition(self, fact: Fact, op: str, value, *, negated: bool) -> Q:
        if op in ("is-known", "is-unknown"):  # no rows is the empty set, never unknown
            return ALWAYS if (op == "is-known") != negated else NEVER
        relation = fact.relation
        rows = apps.get_model(relation.model).objects

        def having(values) -> Q:
            keys = rows.filter(**{f"{relation.value}__in": values}).values(relation.key)
            return Q(**{f"{relation.outer_key}__in": keys})

        if op == "contains-all":
            matches = having([value[0]])
            for item in value[1:]:
                matches &= having([item])
        else:
            matches = having([value] if op == "contains" else value)
        return ~matches if negated else matches
