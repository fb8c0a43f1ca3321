"""A rule as readable Chinese text, for officers reviewing it next to the policy clause."""

from __future__ import annotations

from onething.rules.conditions import reads
from onething.rules.facts import FactCatalog


def describe(rule, catalog: FactCatalog) -> str:
    """E.g. "同时满足：从业人数 ≤ 100；行业代码以 C39 开头". Nested groups are bracketed with
    （）; a `ref` reads as 符合「名称」 (the definition is described on its own)."""
    return _text(rule, catalog, nested=False)


def _text(node, catalog: FactCatalog, *, nested: bool) -> str:
    if "all" in node or "any" in node:
        heading = "同时满足：" if "all" in node else "满足其一："
        parts = [_text(part, catalog, nested=True) for part in node.get("all", node.get("any"))]
        text = heading + "；".join(parts)
        return f"（{text}）" if nested else text
    if "not" in node:
        return "不满足：" + _text(node["not"], catalog, nested=True)
    if "ref" in node:
        return f"符合「{node['ref']}」"
    return reads(catalog.facts[node["fact"]], node["op"], node.get("value"))
