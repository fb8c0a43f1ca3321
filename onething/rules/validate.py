"""Checking a rule when it is saved: shape, facts, operators, values and references.

Each error names the JSON path of the offending part (`$.all[1].value`) and says in Chinese what
is wrong and what is allowed, so an officer can fix the rule without reading code. A rule that
passes `check_rule` evaluates, explains, describes and compiles without errors.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from onething.rules.conditions import as_date
from onething.rules.facts import (
    BOOLEAN,
    DATE,
    NUMBER,
    OPERATORS,
    SET,
    TEXT,
    TYPE_LABELS,
    Fact,
    FactCatalog,
    canonical_op,
)

BRANCHES = ("all", "any", "not", "ref", "fact")
_LEAF_KEYS = {"fact", "op", "value"}


@dataclass(frozen=True)
class RuleError:
    path: str
    message: str


class InvalidRule(ValueError):
    """A rule that may not be saved; `errors` lists every problem found, in rule order."""

    def __init__(self, errors: list[RuleError]):
        super().__init__("；".join(f"{e.path}：{e.message}" for e in errors))
        self.errors = errors

    @property
    def fields(self) -> dict[str, str]:
        """JSON path → message, several messages at one path joined by "；"."""
        fields: dict[str, str] = {}
        for error in self.errors:
            fields[error.path] = (
                f"{fields[error.path]}；{error.message}" if error.path in fields else error.message
            )
        return fields


def check_rule(rule, catalog: FactCatalog, definitions: dict | None = None) -> None:
    """Raise InvalidRule unless `rule` is well formed over `catalog`.

    `definitions` maps the names a `ref` may use to their rules (the versions in force); they
    are checked too, under the path `$ref(名称)`.
    """
    errors = rule_errors(rule, catalog, definitions)
    if errors:
        raise InvalidRule(errors)


# A rule is a few dozen conditions; these bounds keep a hostile one from tying up a worker
# (refs are expanded where used, so a chain of doubling refs grows exponentially).
MAX_DEPTH = 32
MAX_NODES = 2000


def rule_errors(rule, catalog: FactCatalog, definitions: dict | None = None) -> list[RuleError]:
    """Every problem of `rule` (empty when it is valid); see `check_rule`."""
    definitions = definitions or {}
    too_big = _size_error(rule, definitions)
    if too_big:
        return [RuleError("$", too_big)]
    checker = _Checker(catalog, definitions)
    checker.node(rule, "$", ())
    return checker.errors


def _size_error(rule, definitions: dict) -> str:
    """A message when the rule, with its refs expanded, is too deep or too large."""
    count = 0
    stack = [(rule, 1, ())]
    while stack:
        node, depth, refs = stack.pop()
        count += 1
        if count > MAX_NODES:
            return f"规则过大：展开引用后超过{MAX_NODES}个节点"
        if depth > MAX_DEPTH:
            return f"规则嵌套过深：超过{MAX_DEPTH}层"
        if not isinstance(node, dict):
            continue
        for key in ("all", "any"):
            if isinstance(node.get(key), list):
                stack.extend((child, depth + 1, refs) for child in node[key])
        if "not" in node:
            stack.append((node["not"], depth + 1, refs))
        name = node.get("ref")
        if isinstance(name, str) and name in definitions and name not in refs:
            stack.append((definitions[name], depth + 1, (*refs, name)))
    return ""


class _Checker:
    def __init__(self, catalog: FactCatalog, definitions: dict):
        self.catalog = catalog
        self.definitions = definitions
        self.errors: list[RuleError] = []
        self.checked_refs: set[str] = set()

    def fail(self, path: str, message: str) -> None:
        self.errors.append(RuleError(path, message))

    def node(self, node, path: str, refs: tuple[str, ...]) -> None:
        if not isinstance(node, dict):
            self.fail(
                path, '规则应为对象，如 {"all": [...]} 或 {"fact": ..., "op": ..., "value": ...}'
            )
            return
        branches = [key for key in BRANCHES if key in node]
        if len(branches) != 1:
            self.fail(path, "应恰好包含 all、any、not、ref、fact 之一")
            return
        branch = branches[0]
        allowed_keys = _LEAF_KEYS if branch == "fact" else {branch}
        for key in node.keys() - allowed_keys - {"note"}:
            self.fail(f"{path}.{key}", f"不认识的键“{key}”")
        if branch in ("all", "any"):
            parts = node[branch]
            if not isinstance(parts, list) or not parts:
                self.fail(f"{path}.{branch}", "应为至少包含一个条件的列表")
                return
            for index, part in enumerate(parts):
                self.node(part, f"{path}.{branch}[{index}]", refs)
        elif branch == "not":
            self.node(node["not"], f"{path}.not", refs)
        elif branch == "ref":
            self.ref(node["ref"], f"{path}.ref", refs)
        else:
            self.leaf(node, path)

    def ref(self, name, path: str, refs: tuple[str, ...]) -> None:
        if not isinstance(name, str) or name not in self.definitions:
            known = "、".join(sorted(self.definitions)) or "（无）"
            self.fail(path, f"没有名为“{name}”的规则定义，可用的定义：{known}")
            return
        if name in refs:
            cycle = " → ".join((*refs[refs.index(name) :], name))
            self.fail(path, f"规则定义循环引用：{cycle}")
            return
        if name in self.checked_refs:
            return
        self.checked_refs.add(name)
        self.node(self.definitions[name], f"$ref({name})", (*refs, name))

    def leaf(self, node: dict, path: str) -> None:
        name = node["fact"]
        fact = self.catalog.get(name) if isinstance(name, str) else None
        if fact is None:
            suggestions = self.catalog.suggest(name) if isinstance(name, str) else []
            hint = f"，您是不是要找：{'、'.join(suggestions)}？" if suggestions else ""
            self.fail(f"{path}.fact", f"事实目录“{self.catalog.label}”中没有“{name}”{hint}")
            return
        op = node.get("op")
        allowed = OPERATORS[fact.type]
        if not isinstance(op, str) or canonical_op(op) not in allowed:
            self.fail(
                f"{path}.op",
                f"{fact.label}是{TYPE_LABELS[fact.type]}，运算符“{op}”不可用，可用："
                + "、".join(allowed),
            )
            return
        op = canonical_op(op)
        if op in ("is-known", "is-unknown"):
            if "value" in node:
                self.fail(f"{path}.value", f"运算符 {op} 不需要取值，请删去 value")
            return
        if "value" not in node:
            self.fail(f"{path}.value", "缺少取值 value")
            return
        message = value_problem(fact, op, node["value"])
        if message:
            self.fail(f"{path}.value", message)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_texts(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _not_allowed(fact: Fact, values: list[str]) -> str:
    if not fact.values:
        return ""
    wrong = [v for v in values if v not in fact.values]
    if not wrong:
        return ""
    return f"“{'、'.join(wrong)}”不是{fact.label}的可选值，可选值：{'、'.join(fact.values)}"


def value_problem(fact: Fact, op: str, value) -> str:
    """Why `value` does not suit `op` on `fact`, in Chinese; "" when it does."""
    if fact.type == NUMBER:
        if op == "between":
            if not (isinstance(value, list) and len(value) == 2 and all(map(_is_number, value))):
                return "between 的取值应为两个数 [下限, 上限]，含两端"
            if value[0] > value[1]:
                return f"下限 {value[0]} 大于上限 {value[1]}"
            return ""
        return "" if _is_number(value) else f"{fact.label}是数值，取值应为数字，而不是“{value}”"
    if fact.type == TEXT:
        if op == "in":
            return _not_allowed(fact, value) if _is_texts(value) else "in 的取值应为非空的文本列表"
        if not isinstance(value, str) or (op == "starts-with" and not value):
            return f"{fact.label}是文本，取值应为非空文本"
        return "" if op == "starts-with" else _not_allowed(fact, [value])
    if fact.type == DATE:
        if op == "years_before_asof":
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            return "" if ok else "years_before_asof 的取值应为不小于 0 的整数年数"
        try:
            as_date(value)
        except (TypeError, ValueError):
            return f"{fact.label}是日期，取值应为 YYYY-MM-DD 格式的日期，而不是“{value}”"
        return ""
    if fact.type == BOOLEAN:
        return "" if isinstance(value, bool) else f"{fact.label}是是否题，取值应为 true 或 false"
    if fact.type == SET:
        if op == "contains":
            if not isinstance(value, str):
                return "contains 的取值应为一个文本"
            return _not_allowed(fact, [value])
        return _not_allowed(fact, value) if _is_texts(value) else f"{op} 的取值应为非空的文本列表"
    return ""


def facts_errors(facts: dict, catalog: FactCatalog) -> dict[str, str]:
    """`facts.名称` → what is wrong with that value for its type (None is fine: unknown), and
    `facts.asof` for a bad as-of date. Names outside the catalog are ignored."""
    errors: dict[str, str] = {}
    if facts.get("asof") is not None and "asof" not in catalog.facts:
        try:
            as_date(facts["asof"])
        except (TypeError, ValueError):
            errors["facts.asof"] = "基准日应为 YYYY-MM-DD 格式的日期"
    for name, fact in catalog.facts.items():
        value = facts.get(name)
        if value is not None and not _suits(fact, value):
            wanted = {
                NUMBER: "数字",
                TEXT: "文本",
                DATE: "YYYY-MM-DD 格式的日期",
                BOOLEAN: "true 或 false",
                SET: "文本列表",
            }[fact.type]
            errors[f"facts.{name}"] = f"{fact.label}应为{wanted}"
    return errors


def _suits(fact: Fact, value) -> bool:
    if fact.type == NUMBER:
        return _is_number(value)
    if fact.type == TEXT:
        return isinstance(value, str)
    if fact.type == BOOLEAN:
        return isinstance(value, bool)
    if fact.type == SET:
        return isinstance(value, (list, set, frozenset)) and all(isinstance(v, str) for v in value)
    try:
        as_date(value)
    except (TypeError, ValueError):
        return False
    return True
