"""The inline catalog of issue 4, used by the pure tests."""

from onething.rules.facts import catalog_from_json

INLINE = {
    "facts": {
        "employees": {"type": "number", "label": "从业人数"},
        "industry": {"type": "text", "label": "行业代码", "values": ["C39", "C40"]},
        "founded": {"type": "date", "label": "成立日期"},
        "hightech": {"type": "boolean", "label": "高新技术企业"},
        "tags": {"type": "set", "label": "标签"},
        "in_park": {"type": "boolean", "label": "是否在望城经开区"},
        "code": {"type": "text", "label": "行业代码（自由填写）"},
    }
}
CATALOG = catalog_from_json(INLINE)


def leaf(fact, op, value=None):
    node = {"fact": fact, "op": op}
    if value is not None:
        node["value"] = value
    return node
