"""A handling item's application: its form fields, its instant-approval rule, its commitment.

A handling item lists the fields of its application form (申请表) that are its own; the
applicant's standard fields come from the registries and their keys are reserved. Its
instant-approval rule (秒批) is written in the rule language over `approval_catalog`: the registry
facts of the item's audience plus one answer fact per form field. Its commitment (告知承诺制,
国办发〔2020〕42号) names the materials a signed commitment replaces and how it is verified.

Pure: imports nothing from Django. `application_problems` is part of `validation.item_problems`.
"""

from __future__ import annotations

import re

from onething.rules import InvalidRule, check_rule
from onething.rules.facts import (
    BOOLEAN,
    DATE,
    NUMBER,
    SOURCE_ANSWER,
    TEXT,
    Fact,
    FactCatalog,
    catalog,
    registered_catalog,
)

# Form-field kind → the fact type its answer has in a rule.
FIELD_KINDS = {
    "text": TEXT,
    "number": NUMBER,
    "date": DATE,
    "yesno": BOOLEAN,
    "single": TEXT,
    "id_number": TEXT,  # resident ID, GB 11643
    "phone": TEXT,  # mainland mobile, 11 digits
}
FIELD_KIND_LABELS = {
    "text": "文本", "number": "数字", "date": "日期", "yesno": "是/否", "single": "单选",
    "id_number": "居民身份证号码", "phone": "手机号码",
}  # fmt: skip
FIELD_ENTRY_KEYS = ("key", "label", "kind", "required", "help", "options", "unit")
_FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
# The applicant's own fields, which the cases module fills from the registries; `asof` is the
# evaluator's as-of date and cannot be an answer.
RESERVED_KEYS = frozenset(
    {
        "applicant_name",
        "applicant_id",
        "applicant_phone",
        "applicant_address",
        "enterprise_name",
        "credit_code",
        "legal_representative",
        "asof",
    }
)
# The registered registry catalog of each audience.
AUDIENCE_CATALOGS = {"person": "person", "enterprise": "enterprise"}
# 国办发〔2020〕42号: licensing, benefit, confirmation and other powers exercised on application.
COMMITMENT_KINDS = {"01", "05", "07", "10"}
COMMITMENT_KEYS = ("text", "waives", "verify_days", "method")
VERIFY_METHODS = ("书面核查", "网络核查", "现场核查")


def registry_facts(audience: list[str]) -> dict[str, Fact]:
    """The registry facts of the audiences, by name. The person and enterprise catalogs share
    no fact name, so an item serving both needs no prefixes."""
    facts: dict[str, Fact] = {}
    for name in audience:
        if name not in AUDIENCE_CATALOGS:
            raise ValueError(f"服务对象“{name}”无效，应为 person 或 enterprise")
        facts.update(registered_catalog(AUDIENCE_CATALOGS[name]).facts)
    return facts


def answer_fact(field: dict) -> Fact:
    """The fact a (valid) form field's answer is in a rule."""
    options = (field.get("options") or []) if field["kind"] == "single" else []
    return Fact(
        name=field["key"],
        label=field.get("label") or field["key"],
        type=FIELD_KINDS[field["kind"]],
        unit=str(field.get("unit") or "") if field["kind"] == "number" else "",
        values=tuple(o["value"] for o in options),
        value_labels={o["value"]: o["label"] for o in options},
        source=SOURCE_ANSWER,
    )


def approval_catalog(form_fields: list[dict], audience: list[str]) -> FactCatalog:
    """The facts an approval rule of a handling item may use: the registry facts of `audience`
    ("person" and/or "enterprise", as in the item's data) and one answer fact per form field.

    Evaluate the rule over it with the applicant's registry record and the form's answers in one
    facts dict (`rules.evaluate(rule, {**registry, **answers}, catalog)`). The form fields must
    have passed validation, which refuses keys that are reserved or name a registry fact.
    """
    facts = registry_facts(audience)
    for field in form_fields:
        facts[field["key"]] = answer_fact(field)
    return catalog("approval", "登记信息和申请表字段", list(facts.values()))


# --- Validation -----------------------------------------------------------------------------

Issue = tuple[str, str]  # (dotted path, Chinese message), made a validation.Problem by the caller


def application_problems(handling: dict, *, where: str, kind, audience) -> list[Issue]:
    """Problems of a handling item's form fields, approval rule and commitment; `where` is its
    path (`handling_items.0`), `kind` and `audience` the item's."""
    issues: list[Issue] = []
    fields = _form_field_problems(issues, handling.get("form_fields"), where)
    if handling.get("approval_rule") is not None:
        audience = (
            [a for a in audience if a in AUDIENCE_CATALOGS] if isinstance(audience, list) else []
        )
        try:
            check_rule(handling["approval_rule"], approval_catalog(fields, audience))
        except InvalidRule as error:
            issues.append((f"{where}.approval_rule", f"秒批规则有误：{error}"))
    if handling.get("commitment") is not None:
        _commitment_problems(issues, handling, f"{where}.commitment", kind)
    return issues


def _text(issues, data, name, label, *, where, max_length, required=True) -> None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            issues.append((f"{where}.{name}", f"请填写{label}"))
    elif not isinstance(value, str):
        issues.append((f"{where}.{name}", f"{label}应为文字"))
    elif len(value) > max_length:
        issues.append((f"{where}.{name}", f"{label}不能超过{max_length}个字"))


def _form_field_problems(issues: list[Issue], fields, where: str) -> list[dict]:
    """Check the form fields; return those fit to become rule facts."""
    if fields is None:
        return []
    if not isinstance(fields, list):
        issues.append((f"{where}.form_fields", "申请表字段应为列表"))
        return []
    registry = registry_facts(list(AUDIENCE_CATALOGS))
    usable, seen = [], set()
    for index, field in enumerate(fields):
        spot = f"{where}.form_fields.{index}"
        if not isinstance(field, dict):
            issues.append((spot, f"第{index + 1}个申请表字段格式有误"))
            continue
        before = len(issues)
        key = field.get("key")
        name = (
            f"申请表字段“{key}”" if isinstance(key, str) and key else f"第{index + 1}个申请表字段"
        )
        for extra in sorted(field.keys() - set(FIELD_ENTRY_KEYS)):
            issues.append(
                (
                    f"{spot}.{extra}",
                    f"{name}：不认识的键“{extra}”，可用：{'、'.join(FIELD_ENTRY_KEYS)}",
                )
            )
        if not isinstance(key, str) or not _FIELD_KEY.match(key):
            issues.append(
                (
                    f"{spot}.key",
                    f"{name}：字段名应以小写英文字母开头，只含小写英文字母、数字和下划线，2–40个字符",
                )
            )
        elif key in RESERVED_KEYS:
            issues.append((f"{spot}.key", f"字段名“{key}”已由系统保留：申请人的基本信息由系统填写"))
        elif key in registry:
            issues.append(
                (f"{spot}.key", f"字段名“{key}”与登记信息“{registry[key].label}”重名，请换一个")
            )
        elif key in seen:
            issues.append((f"{spot}.key", f"字段名“{key}”重复，同一业务办理项中须唯一"))
        else:
            seen.add(key)
        _text(issues, field, "label", f"{name}的名称", where=spot, max_length=40)
        _text(
            issues, field, "help", f"{name}的填写说明", where=spot, max_length=200, required=False
        )
        if "required" in field and not isinstance(field["required"], bool):
            issues.append((f"{spot}.required", f"{name}：是否必填应为“是”或“否”"))
        kind = field.get("kind")
        if not isinstance(kind, str) or kind not in FIELD_KINDS:
            kinds = "、".join(f"{k}（{v}）" for k, v in FIELD_KIND_LABELS.items())
            issues.append((f"{spot}.kind", f"{name}：类型应为 {kinds} 之一"))
        if field.get("unit") not in (None, ""):
            if kind == "number":
                _text(issues, field, "unit", f"{name}的单位", where=spot, max_length=10)
            else:
                issues.append((f"{spot}.unit", f"{name}：只有数字字段可以填写单位"))
        _option_problems(issues, field, spot, name)
        if len(issues) == before:
            usable.append(field)
    return usable


def _option_problems(issues: list[Issue], field: dict, spot: str, name: str) -> None:
    options = field.get("options")
    if field.get("kind") != "single":
        if options:
            issues.append((f"{spot}.options", f"{name}：只有单选字段可以设置选项"))
        return
    if not isinstance(options, list) or len(options) < 2:
        issues.append((f"{spot}.options", f"{name}：单选字段至少需要两个选项"))
        return
    values = set()
    for index, option in enumerate(options):
        if (
            not isinstance(option, dict)
            or set(option) != {"value", "label"}
            or not all(isinstance(option[k], str) and option[k] for k in ("value", "label"))
        ):
            issues.append(
                (
                    f"{spot}.options.{index}",
                    f"{name}：第{index + 1}个选项应为 {{value: 取值, label: 名称}}，两者都不能为空",
                )
            )
        elif option["value"] in values:
            issues.append((f"{spot}.options.{index}", f"{name}：选项取值“{option['value']}”重复"))
        else:
            values.add(option["value"])


def _commitment_problems(issues: list[Issue], handling: dict, spot: str, kind) -> None:
    commitment = handling["commitment"]
    if not isinstance(commitment, dict):
        issues.append((spot, "告知承诺格式有误，应包含 text、waives、verify_days、method"))
        return
    if kind not in COMMITMENT_KINDS:
        issues.append(
            (
                spot,
                "该类事项不适用告知承诺制：仅行政许可、行政给付、行政确认和其他行政权力事项可以实行",
            )
        )
        return
    for extra in sorted(commitment.keys() - set(COMMITMENT_KEYS)):
        issues.append(
            (
                f"{spot}.{extra}",
                f"告知承诺中不认识的键“{extra}”，可用：{'、'.join(COMMITMENT_KEYS)}",
            )
        )
    _text(issues, commitment, "text", "承诺书正文", where=spot, max_length=2000)
    waives = commitment.get("waives")
    if not isinstance(waives, list) or not waives:
        issues.append((f"{spot}.waives", "请列出作出承诺后可免交的材料"))
    else:
        materials = {m.get("name") for m in handling.get("materials") or [] if isinstance(m, dict)}
        for index, name in enumerate(waives):
            if not isinstance(name, str) or name not in materials:
                issues.append(
                    (
                        f"{spot}.waives.{index}",
                        f"“{name}”不是本办理项的材料：承诺可免交的材料须是本办理项的材料",
                    )
                )
            elif name in waives[:index]:
                issues.append((f"{spot}.waives.{index}", f"材料“{name}”重复"))
    days = commitment.get("verify_days")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
        issues.append((f"{spot}.verify_days", "核查期限应为1–365之间的整数（工作日）"))
    if commitment.get("method") not in VERIFY_METHODS:
        issues.append((f"{spot}.method", f"核查方式应为{'、'.join(VERIFY_METHODS)}之一"))
