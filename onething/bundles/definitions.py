"""A bundle's definition as stored (JSON with catalog codes) and as guidance uses it.

Stored shape: `{"questions": [...], "members": [{"handling_code", "applies_if"}],
"material_rules": [{"handling_code", "material", "applies_if"}]}`. `check_definition` lists every
problem with its JSON path and a Chinese message; `build_definition` reads the catalog once.
"""

from __future__ import annotations

import re

from onething.bundles import guidance
from onething.catalog.models import HandlingItem
from onething.rules import rule_errors

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def check_definition(definition: dict) -> dict[str, str]:
    """Problems of a stored definition: `{json path: Chinese message}`; empty when it is fine."""
    problems: dict[str, str] = {}
    for name in ("questions", "members", "material_rules"):
        value = definition.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            problems[f"$.{name}"] = "应为对象的列表"
    if problems:
        return problems
    questions = definition.get("questions") or []
    if not 1 <= len(questions) <= 12:
        problems["$.questions"] = "问卷应有1至12个问题"
    seen: list[guidance.Question] = []
    for index, raw in enumerate(questions):
        where = f"$.questions[{index}]"
        key = raw.get("key", "")
        if not _KEY.match(key or ""):
            problems[f"{where}.key"] = "问题标识应为小写英文字母开头的英文、数字或下划线"
            continue
        if any(q.key == key for q in seen):
            problems[f"{where}.key"] = f"问题标识“{key}”重复"
            continue
        if raw.get("kind") not in guidance.KIND_TYPES:
            problems[f"{where}.kind"] = "题型应为 " + "、".join(guidance.KIND_TYPES)
            continue
        if not raw.get("text"):
            problems[f"{where}.text"] = "请填写问题"
        options = raw.get("options") or []
        if raw["kind"] in ("single", "multiple") and len(options) < 2:
            problems[f"{where}.options"] = "单选题和多选题至少需要两个选项"
        question = question_from(raw)
        if question.show_if is not None and seen:
            for error in rule_errors(question.show_if, guidance.answer_catalog(seen)):
                problems[f"{where}.show_if{error.path[1:]}"] = error.message
        elif question.show_if is not None:
            problems[f"{where}.show_if"] = "第一个问题不能有显示条件"
        seen.append(question)
    catalog = guidance.answer_catalog(seen) if seen else None
    codes = set()
    members = definition.get("members") or []
    if not members:
        problems["$.members"] = "至少需要一个业务办理项"
    known = set(
        HandlingItem.objects.filter(
            code__in=[m.get("handling_code") for m in members]
            + [r.get("handling_code") for r in definition.get("material_rules") or []]
        ).values_list("code", flat=True)
    )
    for index, member in enumerate(members):
        where = f"$.members[{index}]"
        code = member.get("handling_code")
        if code not in known:
            problems[f"{where}.handling_code"] = f"事项目录中没有业务办理项 {code}"
        codes.add(code)
        if member.get("applies_if") is not None and catalog is not None:
            for error in rule_errors(member["applies_if"], catalog):
                problems[f"{where}.applies_if{error.path[1:]}"] = error.message
    material_names = {
        (m.handling_item.code, m.name)
        for handling in HandlingItem.objects.filter(code__in=codes).prefetch_related("materials")
        for m in handling.materials.all()
    }
    for index, rule in enumerate(definition.get("material_rules") or []):
        where = f"$.material_rules[{index}]"
        if rule.get("handling_code") not in codes:
            problems[f"{where}.handling_code"] = "材料规则须属于本一件事的业务办理项"
        elif (rule.get("handling_code"), rule.get("material")) not in material_names:
            problems[f"{where}.material"] = f"该业务办理项没有材料“{rule.get('material')}”"
        if catalog is not None:
            for error in rule_errors(rule.get("applies_if"), catalog):
                problems[f"{where}.applies_if{error.path[1:]}"] = error.message
    return problems


def question_from(raw: dict) -> guidance.Question:
    return guidance.Question(
        key=raw["key"],
        text=raw.get("text", ""),
        kind=raw["kind"],
        help=raw.get("help") or "",
        options=tuple((o["value"], o["label"]) for o in raw.get("options") or []),
        unit=raw.get("unit") or "",
        show_if=raw.get("show_if"),
    )


def build_definition(definition: dict) -> guidance.Definition:
    """The guidance form of a stored (checked) definition, with its items read from the catalog."""
    codes = [m["handling_code"] for m in definition["members"]]
    handling = {
        h.code: h
        for h in HandlingItem.objects.filter(code__in=codes)
        .select_related("item__department")
        .prefetch_related("materials")
    }
    rules = {
        (r["handling_code"], r["material"]): r["applies_if"]
        for r in definition.get("material_rules") or []
    }
    members = []
    for member in definition["members"]:
        h = handling[member["handling_code"]]
        item = h.item
        members.append(
            guidance.Member(
                code=h.code,
                name=h.name,
                item_code=item.implementation_code,
                item_name=item.name,
                unit=item.department.name if item.department_id else item.implementing_unit,
                promised_days=item.promised_days,
                promised_unit=item.promised_unit,
                online_depth=item.online_depth,
                place=item.place,
                fees=tuple(f"{f.get('name')}：{f.get('standard')}" for f in item.fees),
                materials=tuple(
                    guidance.MaterialNeed(
                        name=m.name,
                        required=m.required,
                        replaceable_by=m.replaceable_by,
                        applies_if=rules.get((h.code, m.name)),
                    )
                    for m in h.materials.all()
                ),
                applies_if=member.get("applies_if"),
            )
        )
    questions = tuple(question_from(q) for q in definition["questions"])
    return guidance.Definition(questions=questions, members=tuple(members))
