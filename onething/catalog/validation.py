"""Validation of an item as data (from the demo files, a draft, or an import).

Pure: imports nothing from Django. Each problem is a `Problem(field, message)` with a Chinese
message a catalog editor can act on; `field` is a dotted path such as
`handling_items.0.materials.2.form`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from onething.catalog import approval
from onething.core.identity import IdentityNumberError, validate_credit_code

KIND_CODES = {"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "20"}
LIMIT_UNITS = {"working_day", "calendar_day", "hour"}
CASE_TYPES = {"immediate", "promised"}
VARIANTS = {"设立", "变更", "延续", "注销", "补证", "其他"}
MATERIAL_FORMS = {"paper", "electronic", "both"}
REPLACEMENTS = {None, "", "license", "shared_data"}
AUDIENCES = {"person", "enterprise"}
_BASE_CODE = re.compile(r"^\d{12}$")
# Lengths of the model's columns, so a draft that passes validation also saves.
TEXT_LIMITS = [
    ("place", "办理地点", 300), ("hours", "办理时间", 300), ("phone", "咨询电话", 40),
    ("complaint_phone", "监督投诉电话", 40), ("online_url", "网办地址", 300),
]  # fmt: skip
MATERIAL_TEXT_LIMITS = [
    ("kind", "材料类型", 10), ("source", "来源渠道", 20), ("acceptance_standard", "受理标准", 300),
    ("legal_basis", "材料设定依据", 300), ("situation", "适用情形", 200), ("notes", "备注", 300),
]  # fmt: skip
LIST_FIELDS = [
    ("special_procedures", "特别程序"), ("fees", "收费"), ("steps", "办理流程"),
    ("intermediary_services", "中介服务"), ("topics_person", "自然人主题"),
    ("topics_enterprise", "法人主题"), ("keywords", "检索关键词"), ("faqs", "常见问题"),
]  # fmt: skip


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def implementation_code(credit_code: str, level: int, base_code: str) -> str:
    """实施编码: implementing unit's credit code (18) + level (1) + base code (12)."""
    return f"{credit_code}{level}{base_code}"


def check_implementation_code(
    code: str, *, credit_code: str, level: int, base_code: str
) -> list[Problem]:
    problems = []
    if len(code) != 31:
        problems.append(Problem("implementation_code", f"实施编码应为31位，当前为{len(code)}位"))
        return problems
    try:
        validate_credit_code(code[:18])
    except IdentityNumberError as error:
        problems.append(Problem("implementation_code", f"实施编码前18位：{error.message}"))
    if code[:18] != credit_code:
        problems.append(
            Problem("implementation_code", "实施编码前18位应为实施主体的统一社会信用代码")
        )
    if code[18] != str(level):
        problems.append(Problem("implementation_code", f"实施编码第19位应为行使层级 {level}"))
    if code[19:] != base_code:
        problems.append(Problem("implementation_code", "实施编码后12位应为事项基本编码"))
    return problems


def _limit(problems: list[Problem], data: dict, name: str, label: str) -> None:
    limit = data.get(name)
    if not isinstance(limit, dict):
        problems.append(Problem(name, f"请填写{label}"))
        return
    days = limit.get("days")
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        problems.append(Problem(f"{name}.days", f"{label}应为不小于0的整数"))
    if limit.get("unit") not in LIMIT_UNITS:
        problems.append(Problem(f"{name}.unit", f"{label}单位应为工作日、自然日或小时"))


def _text(problems, data, name, label, *, required=True, max_length=None, where=""):
    """`where` is the dotted path of `data` inside the item ("" for the item itself)."""
    path = f"{where}.{name}" if where else name
    value = data.get(name)
    if value is None or value == "":
        if required:
            problems.append(Problem(path, f"请填写{label}"))
        return
    if not isinstance(value, str):
        problems.append(Problem(path, f"{label}应为文字"))
    elif max_length and len(value) > max_length:
        problems.append(Problem(path, f"{label}不能超过{max_length}个字"))


def _flag(problems, data, name, label):
    if name in data and not isinstance(data[name], bool):
        problems.append(Problem(name, f"{label}应为“是”或“否”"))


def item_problems(data: dict) -> list[Problem]:
    """Every rule a publishable item must satisfy."""
    problems: list[Problem] = []
    base_code = str(data.get("base_code", ""))
    if not _BASE_CODE.match(base_code):
        problems.append(Problem("base_code", "基本编码应为12位数字"))
    _text(problems, data, "name", "事项名称", max_length=200)
    if data.get("kind") not in KIND_CODES:
        problems.append(Problem("kind", "事项类型代码无效（01–10 或 20）"))
    if data.get("level") not in (1, 2, 3, 4, 5, 6):
        problems.append(Problem("level", "行使层级应为1–6"))
    audience = data.get("audience")
    if not isinstance(audience, list) or not audience or not set(audience) <= AUDIENCES:
        problems.append(Problem("audience", "服务对象应为自然人、法人或两者"))
    _text(problems, data, "legal_basis", "设定依据")
    _limit(problems, data, "statutory_limit", "法定时限")
    _limit(problems, data, "promised_limit", "承诺时限")
    if data.get("case_type") not in CASE_TYPES:
        problems.append(Problem("case_type", "办件类型应为即办件或承诺件"))
    visits = data.get("visits")
    if not isinstance(visits, int) or isinstance(visits, bool) or visits < 0:
        problems.append(Problem("visits", "到办事现场次数应为不小于0的整数"))
    depth = data.get("online_depth")
    if depth not in (1, 2, 3, 4):
        problems.append(Problem("online_depth", "网办深度应为Ⅰ–Ⅳ级（1–4）"))
    elif depth == 4 and visits not in (0, None):
        problems.append(Problem("visits", "网办深度为Ⅳ级（全程网办）的事项，到现场次数必须为0"))
    for name, label in (
        ("in_hall", "进驻大厅"),
        ("express", "物流快递"),
        ("online_payment", "网上支付"),
        ("appointment", "预约办理"),
        ("terminal", "自助终端"),
    ):
        _flag(problems, data, name, label)
    for name, label, limit in TEXT_LIMITS:
        _text(problems, data, name, label, required=False, max_length=limit)
    for name, label in LIST_FIELDS:
        if not isinstance(data.get(name) or [], list):
            problems.append(Problem(name, f"{label}应为列表"))
    for name, label in (("result", "审批结果"), ("cross_region", "跨域通办")):
        if data.get(name) is not None and not isinstance(data[name], dict):
            problems.append(Problem(name, f"{label}格式有误"))
    fees = data.get("fees") or []
    for index, fee in enumerate(fees if isinstance(fees, list) else []):
        if (
            not isinstance(fee, dict)
            or not isinstance(fee.get("name"), str)
            or not isinstance(fee.get("standard"), str)
            or not fee["name"]
            or not fee["standard"]
        ):
            problems.append(Problem(f"fees.{index}", "收费项目须有名称和标准"))
    handling_items = data.get("handling_items")
    if not isinstance(handling_items, list) or not handling_items:
        problems.append(Problem("handling_items", "至少需要一个业务办理项"))
        return problems
    for h, handling in enumerate(handling_items):
        where = f"handling_items.{h}"
        _text(problems, handling, "name", "业务办理项名称", max_length=200, where=where)
        if handling.get("variant") not in VARIANTS:
            problems.append(
                Problem(f"{where}.variant", "办理类型应为设立、变更、延续、注销、补证或其他")
            )
        for m, material in enumerate(handling.get("materials") or []):
            spot = f"{where}.materials.{m}"
            if not isinstance(material, dict):
                problems.append(Problem(spot, "材料格式有误"))
                continue
            _text(problems, material, "name", "材料名称", max_length=200, where=spot)
            for name, label, limit in MATERIAL_TEXT_LIMITS:
                if material.get(name):
                    _text(
                        problems,
                        material,
                        name,
                        label,
                        required=False,
                        max_length=limit,
                        where=spot,
                    )
            if material.get("form") not in MATERIAL_FORMS:
                problems.append(Problem(f"{spot}.form", "材料形式应为纸质、电子或纸质或电子"))
            if material.get("replaceable_by") not in REPLACEMENTS:
                problems.append(
                    Problem(f"{spot}.replaceable_by", "免提交方式应为电子证照或共享数据")
                )
            for count in ("originals", "copies"):
                value = material.get(count, 0)
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    problems.append(Problem(f"{spot}.{count}", "份数应为不小于0的整数"))
        problems.extend(
            Problem(path, message)
            for path, message in approval.application_problems(
                handling, where=where, kind=data.get("kind"), audience=audience
            )
        )
    return problems


def item_defects(data: dict) -> list[Problem]:
    """Consistency defects the bureau's report lists (they do not block publishing except
    Ⅳ-with-visits, which item_problems refuses)."""
    defects = []
    depth, visits = data.get("online_depth"), data.get("visits")
    if depth == 4 and isinstance(visits, int) and visits > 0:
        defects.append(Problem("visits", f"网办深度Ⅳ级但仍需到现场{visits}次"))
    statutory, promised = data.get("statutory_limit") or {}, data.get("promised_limit") or {}
    if (
        statutory.get("unit") == promised.get("unit")
        and isinstance(statutory.get("days"), int)
        and isinstance(promised.get("days"), int)
        and promised["days"] > statutory["days"]
    ):
        defects.append(
            Problem(
                "promised_limit", f"承诺时限{promised['days']}天超过法定时限{statutory['days']}天"
            )
        )
    for index, fee in enumerate(data.get("fees") or []):
        if isinstance(fee, dict) and not fee.get("basis"):
            defects.append(
                Problem(f"fees.{index}.basis", f"收费项目“{fee.get('name', '')}”没有收费依据")
            )
    for h, handling in enumerate(data.get("handling_items") or []):
        for m, material in enumerate(handling.get("materials") or []):
            if not material.get("legal_basis"):
                defects.append(
                    Problem(
                        f"handling_items.{h}.materials.{m}.legal_basis",
                        f"材料“{material.get('name', '')}”没有设定依据",
                    )
                )
    return defects
