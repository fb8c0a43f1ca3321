"""Rules API: try a rule on given facts."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from onething.bundles.services import evaluate_rule

router = Router(tags=["规则"])


class EvaluateRequest(Schema):
    rule: dict[str, Any]
    facts: dict[str, Any] = {}
    catalog: str | dict[str, Any]
    definitions: dict[str, dict[str, Any]] = {}


class MissingFact(Schema):
    fact: str
    label: str


class EvaluateResult(Schema):
    result: str
    explanation: list[str]
    missing: list[MissingFact]
    description: str


@router.post("/rules/evaluate", response=EvaluateResult, auth=None)
def evaluate(request, payload: EvaluateRequest):
    """Evaluate a rule on the facts given: "true", "false" or "unknown", with one Chinese line
    per condition, the missing facts whose answer could change the result, and the rule as text.
    Reads nothing but the request, so anyone may call it. `catalog` is a registered catalog
    ("enterprise", "person") or an inline one: `{"facts": {名称: {"type", "label"}}}`; an
    invalid rule answers 422 with `fields` mapping JSON paths (`$.all[1].value`) to messages."""
    return evaluate_rule(
        rule=payload.rule,
        facts=payload.facts,
        catalog=payload.catalog,
        definitions=payload.definitions,
    )


# The bundles themselves and their guidance (the second part of issue 4).
router.add_router("/", "onething.bundles.guidance_api.router")
