"""Fact catalogs: what a rule may ask about, with each fact's Chinese label, type and source.

A catalog is per use: an enterprise's legal-entity record, a person's registry record, a bundle's
questionnaire answers. Facts that live in the database carry their ORM path so that `rules.q`
can compile a rule into a query; the rest of the package never touches the database.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from decimal import Decimal

NUMBER, TEXT, DATE, BOOLEAN, SET = "number", "text", "date", "boolean", "set"
FACT_TYPES = (NUMBER, TEXT, DATE, BOOLEAN, SET)
TYPE_LABELS = {NUMBER: "数值", TEXT: "文本", DATE: "日期", BOOLEAN: "是否", SET: "集合"}

KNOWN_OPS = ("is-known", "is-unknown")
OPERATORS = {
    NUMBER: ("=", "!=", "<", "<=", ">", ">=", "between", *KNOWN_OPS),
    TEXT: ("=", "!=", "in", "starts-with", *KNOWN_OPS),
    DATE: ("before", "after", "on-or-before", "on-or-after", "years_before_asof", *KNOWN_OPS),
    BOOLEAN: ("is", *KNOWN_OPS),
    SET: ("contains", "contains-any", "contains-all", *KNOWN_OPS),
}
# The Unicode forms officers type are the same operators.
OPERATOR_ALIASES = {"≠": "!=", "≤": "<=", "≥": ">="}

# Where a fact's value comes from; shown to officers next to the fact.
SOURCE_REGISTRY, SOURCE_ANSWER, SOURCE_DERIVED = "registry", "answer", "derived"


def canonical_op(op: str) -> str:
    """`op` with its Unicode alias (≠ ≤ ≥) replaced by the ASCII form."""
    return OPERATOR_ALIASES.get(op, op)


@dataclass(frozen=True)
class SetRelation:
    """A set fact stored as rows of another table: the record's set is the `value` column of the
    rows of `model` whose `key` equals the record's `outer_key`. No rows is the empty set."""

    model: str  # "app_label.ModelName"
    key: str
    value: str
    outer_key: str


@dataclass(frozen=True)
class Fact:
    """One fact a rule may name.

    `values` lists the allowed values of a text or set fact (empty: any); `value_labels` gives
    their Chinese names for explanations. `orm_path` is the field lookup on the catalog's model
    (`presence_of` instead: a boolean that is true when that nullable field is filled in;
    `relation` instead: a set fact over another table). A fact with none of these cannot be
    compiled to a query.
    """

    name: str
    label: str
    type: str
    unit: str = ""
    values: tuple = ()
    value_labels: dict = field(default_factory=dict, hash=False, compare=False)
    source: str = SOURCE_ANSWER
    orm_path: str = ""
    presence_of: str = ""
    relation: SetRelation | None = None

    def show(self, value) -> str:
        """`value` as an officer reads it: choice labels, 是/否, plain numbers, ISO dates."""
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, (set, frozenset, list, tuple)):
            if not value:
                return "（无）"
            return "、".join(self.show(v) for v in sorted(value, key=str))
        if isinstance(value, (int, float, Decimal)):
            text = format_number(value)
            return f"{text} {self.unit}" if self.unit else text
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(self.value_labels.get(value, value))


def format_number(value) -> str:
    if isinstance(value, Decimal):
        value = value.normalize()
        return f"{value:f}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class FactCatalog:
    """The facts of one use, by name. `model` ("app_label.ModelName") is what `to_q` queries."""

    name: str
    label: str
    facts: dict[str, Fact]
    model: str = ""

    def get(self, name: str) -> Fact | None:
        return self.facts.get(name)

    def suggest(self, name: str) -> list[str]:
        """Fact names close to a mistyped `name`, by name or by Chinese label, best first."""
        names = difflib.get_close_matches(name, list(self.facts), n=3, cutoff=0.6)
        by_label = {fact.label: fact.name for fact in self.facts.values()}
        for label in difflib.get_close_matches(name, list(by_label), n=3, cutoff=0.5):
            if by_label[label] not in names:
                names.append(by_label[label])
        return names[:3]


def catalog(name: str, label: str, facts: list[Fact], *, model: str = "") -> FactCatalog:
    return FactCatalog(name=name, label=label, facts={f.name: f for f in facts}, model=model)


class CatalogError(ValueError):
    """An inline catalog that cannot be used; `errors` maps JSON paths to Chinese messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("事实目录有误：" + "；".join(f"{k} {v}" for k, v in errors.items()))
        self.errors = errors


def catalog_from_json(data) -> FactCatalog:
    """An inline catalog `{"facts": {name: {"type", "label", "unit"?, "values"?}}}` as sent by
    a caller trying a rule. Raises CatalogError naming each wrong entry."""
    errors: dict[str, str] = {}
    if not isinstance(data, dict) or not isinstance(data.get("facts"), dict):
        raise CatalogError({"catalog": '应为事实目录名称，或 {"facts": {名称: {"type", "label"}}}'})
    facts = []
    for name, spec in data["facts"].items():
        path = f"catalog.facts.{name}"
        if not isinstance(spec, dict):
            errors[path] = '应为 {"type", "label"}'
            continue
        kind = spec.get("type")
        if kind not in FACT_TYPES:
            errors[f"{path}.type"] = "类型应为 " + "、".join(FACT_TYPES) + " 之一"
            continue
        values = spec.get("values", [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            errors[f"{path}.values"] = "可选值应为文本列表"
            continue
        label = spec.get("label") or name
        if not isinstance(label, str):
            errors[f"{path}.label"] = "名称应为文本"
            continue
        facts.append(
            Fact(
                name=name,
                label=label,
                type=kind,
                unit=str(spec.get("unit", "")),
                values=tuple(values),
            )
        )
    if errors:
        raise CatalogError(errors)
    return catalog("inline", "自定义事实目录", facts)


_CATALOGS: dict[str, FactCatalog] = {}


def register_catalog(fact_catalog: FactCatalog) -> FactCatalog:
    """Make `fact_catalog` available by its name (to the API and to stored rules)."""
    _CATALOGS[fact_catalog.name] = fact_catalog
    return fact_catalog


def registered_catalog(name: str) -> FactCatalog | None:
    from onething.rules import catalogs  # noqa: F401  registers the built-in catalogs

    return _CATALOGS.get(name)


def registered_catalog_names() -> list[str]:
    from onething.rules import catalogs  # noqa: F401

    return sorted(_CATALOGS)
