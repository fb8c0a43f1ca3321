"""The rule language: typed JSON rules over a catalog of facts, with backends that agree.

Pure Python: only `onething.rules.q` (the compiler to Django `Q`) imports Django. See
ARCHITECTURE.md, "The rule language".
"""

from onething.rules.describe import describe
from onething.rules.evaluate import evaluate
from onething.rules.explain import explain
from onething.rules.facts import Fact, FactCatalog, catalog_from_json, registered_catalog
from onething.rules.missing import missing
from onething.rules.validate import InvalidRule, RuleError, check_rule, rule_errors

__all__ = [
    "Fact",
    "FactCatalog",
    "InvalidRule",
    "RuleError",
    "catalog_from_json",
    "check_rule",
    "describe",
    "evaluate",
    "explain",
    "missing",
    "registered_catalog",
    "rule_errors",
]
