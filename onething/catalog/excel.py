"""Excel import and export of items, lossless in both directions.

Three sheets: 事项 (one row per item), 业务办理项 and 申请材料 (joined by 实施编码 and 序号).
Nested elements (fees, FAQs, …) are JSON in their cell so nothing is lost. An import is all or
nothing: any bad cell is reported by sheet, row and column, in Chinese, and nothing is written.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from onething.catalog import validation

YES, NO = "是", "否"
UNITS = {"working_day": "工作日", "calendar_day": "自然日", "hour": "小时"}
CASE_TYPES = {"immediate": "即办件", "promised": "承诺件"}
FORMS = {"paper": "纸质", "electronic": "电子", "both": "纸质或电子"}
REPLACEMENTS = {"": "", "license": "电子证照", "shared_data": "共享数据"}
AUDIENCE = {"person": "自然人", "enterprise": "法人"}

# (data key, column title, kind); kind says how the cell is written and read.
ITEM_COLUMNS = [
    ("implementation_code", "实施编码", "text"),
    ("base_code", "基本编码", "text"),
    ("name", "事项名称", "text"),
    ("kind", "事项类型代码", "text"),
    ("level", "行使层级", "int"),
    ("audience", "服务对象", "audience"),
    ("legal_basis", "设定依据", "text"),
    ("conditions", "受理条件", "text"),
    ("statutory_limit.days", "法定时限", "int"),
    ("statutory_limit.unit", "法定时限单位", "unit"),
    ("statutory_limit.note", "法定时限说明", "text"),
    ("promised_limit.days", "承诺时限", "int"),
    ("promised_limit.unit", "承诺时限单位", "unit"),
    ("promised_limit.note", "承诺时限说明", "text"),
    ("case_type", "办件类型", "case_type"),
    ("visits", "到现场次数", "int"),
    ("online_depth", "网办深度", "int"),
    ("special_procedures", "特别程序", "json"),
    ("fees", "收费", "json"),
    ("steps", "办理流程", "json"),
    ("place", "办理地点", "text"),
    ("hours", "办理时间", "text"),
    ("phone", "咨询电话", "text"),
    ("complaint_phone", "监督投诉电话", "text"),
    ("online_url", "网办地址", "text"),
    ("in_hall", "进驻大厅", "bool"),
    ("express", "物流快递", "bool"),
    ("online_payment", "网上支付", "bool"),
    ("appointment", "预约办理", "bool"),
    ("terminal", "自助终端", "bool"),
    ("cross_region", "跨域通办", "json"),
    ("intermediary_services", "中介服务", "json"),
    ("result", "审批结果", "json"),
    ("topics_person", "自然人主题", "json"),
    ("topics_enterprise", "法人主题", "json"),
    ("keywords", "检索关键词", "json"),
    ("faqs", "常见问题", "json"),
    ("popularity", "热度", "int"),
    ("illustrative", "示意字段", "json"),
]
HANDLING_COLUMNS = [
    ("item", "实施编码", "text"),
    ("index", "办理项序号", "int"),
    ("name", "业务办理项名称", "text"),
    ("variant", "办理类型", "text"),
    ("form_fields", "申请表字段", "json"),
    ("approval_rule", "秒批规则", "json"),
    ("commitment", "告知承诺", "json"),
]
MATERIAL_COLUMNS = [
    ("item", "实施编码", "text"),
    ("handling", "办理项序号", "int"),
    ("name", "材料名称", "text"),
    ("kind", "材料类型", "text"),
    ("form", "材料形式", "form"),
    ("required", "必要", "bool"),
    ("source", "来源渠道", "text"),
    ("originals", "原件份数", "int"),
    ("copies", "复印件份数", "int"),
    ("blank_form", "空白表格", "bool"),
    ("sample", "示例样表", "bool"),
    ("acceptance_standard", "受理标准", "text"),
    ("legal_basis", "设定依据", "text"),
    ("replaceable_by", "免提交方式", "replacement"),
    ("situation", "适用情形", "text"),
    ("notes", "备注", "text"),
]
SHEETS = {"事项": ITEM_COLUMNS, "业务办理项": HANDLING_COLUMNS, "申请材料": MATERIAL_COLUMNS}
_CODES = {"unit": UNITS, "case_type": CASE_TYPES, "form": FORMS, "replacement": REPLACEMENTS}


def _get(data: dict, key: str):
    for part in key.split("."):
        data = (data or {}).get(part) if isinstance(data, dict) else None
    return data


def _write_cell(value, kind: str):
    if kind == "bool":
        return YES if value else NO
    if kind == "json":
        return json.dumps(value, ensure_ascii=False) if value is not None else ""
    if kind == "audience":
        return "、".join(AUDIENCE[a] for a in value or [])
    if kind in _CODES:
        return _CODES[kind].get(value or "", value)
    return value if value is not None else ""


def export_items(items_data: list[dict]) -> bytes:
    """A workbook of the items (as `item_to_data` gives them)."""
    book = Workbook()
    book.remove(book.active)
    sheets = {title: book.create_sheet(title) for title in SHEETS}
    for title, columns in SHEETS.items():
        sheets[title].append([c[1] for c in columns])
        for cell in sheets[title][1]:
            cell.font = Font(bold=True)
    for data in items_data:
        code = data.get("implementation_code", "")
        sheets["事项"].append([_write_cell(_get(data, key), kind) for key, _, kind in ITEM_COLUMNS])
        for h, handling in enumerate(data["handling_items"], start=1):
            row = {"item": code, "index": h, **handling}
            sheets["业务办理项"].append(
                [_write_cell(row.get(k), kind) for k, _, kind in HANDLING_COLUMNS]
            )
            for material in handling["materials"]:
                row = {"item": code, "handling": h, **material}
                sheets["申请材料"].append(
                    [_write_cell(row.get(k), kind) for k, _, kind in MATERIAL_COLUMNS]
                )
    for sheet in sheets.values():
        keep_text(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def keep_text(sheet) -> None:
    """Text that starts with "=" stays text: openpyxl would otherwise write it as a formula,
    which Excel would run when a colleague opens the file (formula injection)."""
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"


@dataclass(frozen=True)
class CellError:
    sheet: str
    row: int
    column: str
    message: str

    def __str__(self):
        return f"“{self.sheet}”表第{self.row}行“{self.column}”列：{self.message}"


class ImportInvalid(ValueError):
    def __init__(self, errors: list[CellError]):
        super().__init__(f"{len(errors)}处错误")
        self.errors = errors


def _read_cell(value, kind: str):
    """The data value of a cell, or raise ValueError with the Chinese reason."""
    if value is None or value == "":
        return {"bool": False, "json": None, "audience": [], "int": None}.get(kind, "")
    if kind == "int":
        if isinstance(value, bool) or not float(str(value)).is_integer():
            raise ValueError("应为整数")
        return int(float(str(value)))
    if kind == "bool":
        if value not in (YES, NO):
            raise ValueError("应填“是”或“否”")
        return value == YES
    if kind == "json":
        try:
            return json.loads(value)
        except (TypeError, json.JSONDecodeError):
            raise ValueError("不是有效的 JSON 内容") from None
    if kind == "audience":
        reverse = {v: k for k, v in AUDIENCE.items()}
        parts = [p for p in str(value).replace("，", "、").split("、") if p]
        if not parts or any(p not in reverse for p in parts):
            raise ValueError("应为“自然人”“法人”或“自然人、法人”")
        return [reverse[p] for p in parts]
    if kind in _CODES:
        reverse = {v: k for k, v in _CODES[kind].items()}
        if value not in reverse:
            raise ValueError("应为" + "、".join(f"“{v}”" for v in _CODES[kind].values() if v))
        return reverse[value]
    return str(value)


def _set(data: dict, key: str, value) -> None:
    parts = key.split(".")
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value


def _rows(book, title, errors):
    if title not in book.sheetnames:
        errors.append(CellError(title, 1, "—", "缺少此工作表"))
        return []
    sheet = book[title]
    columns = SHEETS[title]
    header = [c.value for c in sheet[1]]
    expected = [c[1] for c in columns]
    if header[: len(expected)] != expected:
        errors.append(CellError(title, 1, "—", "表头与模板不一致，请使用导出的模板"))
        return []
    parsed = []
    for number, cells in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if all(c in (None, "") for c in cells):
            continue
        row = {}
        for (key, label, kind), value in zip(columns, cells, strict=False):
            try:
                row[key] = _read_cell(value, kind)
            except ValueError as error:
                errors.append(CellError(title, number, label, str(error)))
        parsed.append((number, row))
    return parsed


_ITEM_COLUMN_OF = {key.split(".")[0]: label for key, label, _ in ITEM_COLUMNS}
_HANDLING_COLUMN_OF = {key: label for key, label, _ in HANDLING_COLUMNS}
_MATERIAL_COLUMN_OF = {key: label for key, label, _ in MATERIAL_COLUMNS}


def import_items(content: bytes) -> list[dict]:
    """Item data from a workbook, or ImportInvalid with every bad cell."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not xlsx
        raise ImportInvalid([CellError("—", 0, "—", "不是有效的 Excel（.xlsx）文件")]) from error
    errors: list[CellError] = []
    items = {}
    item_rows = {}
    for number, row in _rows(book, "事项", errors):
        data: dict = {}
        for key, value in row.items():
            _set(data, key, value)
        data["handling_items"] = []
        key = data.get("implementation_code") or f"新事项第{number}行"
        if key in items:
            errors.append(CellError("事项", number, "实施编码", "实施编码重复"))
        items[key], item_rows[key] = data, number
    handling_rows = {}
    for number, row in _rows(book, "业务办理项", errors):
        data = items.get(row.get("item"))
        if data is None:
            errors.append(CellError("业务办理项", number, "实施编码", "“事项”表中没有此实施编码"))
            continue
        data["handling_items"].append(
            {
                "name": row["name"],
                "variant": row["variant"],
                "form_fields": row.get("form_fields") or [],
                "approval_rule": row.get("approval_rule"),
                "commitment": row.get("commitment"),
                "materials": [],
            }
        )
        handling_rows[(row["item"], row.get("index"))] = (data["handling_items"][-1], number)
    material_rows = {}
    for number, row in _rows(book, "申请材料", errors):
        handling = handling_rows.get((row.get("item"), row.get("handling")))
        if handling is None:
            errors.append(CellError("申请材料", number, "办理项序号", "找不到对应的业务办理项"))
            continue
        material = {k: v for k, v in row.items() if k not in ("item", "handling")}
        handling[0]["materials"].append(material)
        material_rows[id(material)] = number
    for key, data in items.items():
        for problem in validation.item_problems(data):
            errors.append(_locate(problem, data, item_rows[key], handling_rows, material_rows))
    if errors:
        raise ImportInvalid(errors)
    return list(items.values())


def _locate(problem, data, item_row, handling_rows, material_rows) -> CellError:
    parts = problem.field.split(".")
    if parts[0] == "handling_items" and len(parts) >= 2 and parts[1].isdigit():
        handling = data["handling_items"][int(parts[1])]
        if len(parts) >= 4 and parts[2] == "materials":
            material = handling["materials"][int(parts[3])]
            column = _MATERIAL_COLUMN_OF.get(parts[4] if len(parts) > 4 else "name", "材料名称")
            return CellError("申请材料", material_rows[id(material)], column, problem.message)
        row = next(n for h, n in handling_rows.values() if h is handling)
        column = _HANDLING_COLUMN_OF.get(parts[2] if len(parts) > 2 else "name", "业务办理项名称")
        return CellError("业务办理项", row, column, problem.message)
    return CellError("事项", item_row, _ITEM_COLUMN_OF.get(parts[0], parts[0]), problem.message)
