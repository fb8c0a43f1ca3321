"""Reading the facts of a registry record for the rule language."""

from __future__ import annotations

from django.apps import apps
from django.db.models import Model

from onething.rules.facts import FactCatalog


def facts_of(record: Model, catalog: FactCatalog) -> dict:
    """The facts of `record` (an instance of `catalog.model`) as `evaluate` takes them: one entry
    per fact with a place in the database, None where the column is NULL, a set for set facts
    (empty when there are no rows: a set is never unknown)."""
    facts: dict = {}
    for fact in catalog.facts.values():
        if fact.relation is not None:
            relation = fact.relation
            rows = apps.get_model(relation.model).objects.filter(
                **{relation.key: getattr(record, relation.outer_key)}
            )
            facts[fact.name] = set(rows.values_list(relation.value, flat=True))
        elif fact.presence_of:
            facts[fact.name] = _follow(record, fact.presence_of) is not None
        elif fact.orm_path:
            facts[fact.name] = _follow(record, fact.orm_path)
    return facts


def _follow(record, path: str):
    value = record
    for part in path.split("__"):
        value = getattr(value, part)
        if value is None:
            return None
    return value
