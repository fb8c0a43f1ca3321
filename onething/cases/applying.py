"""The application form: generated from the handling items' fields and materials.

A bundle's form merges its items' forms: a field key shared by several items is asked once, a
material with the same name is uploaded once and attached to every case that needs it. The
applicant's own fields come first, prefilled from their registry record with the source shown;
materials that shared data or an e-license supplies are marked as such and not asked for.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from onething.core.identity import is_valid_resident_id

REGISTRY_SOURCE = {"person": "人口库", "enterprise": "法人库"}


@dataclass
class FormField:
    key: str
    label: str
    kind: str
    required: bool = True
    help: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    value: object = None
    source: str = ""  # where a prefilled value comes from, e.g. 人口库
    locked: bool = False  # identity fields taken from the registry are not edited
    used_by: list[str] = field(default_factory=list)


@dataclass
class MaterialRow:
    name: str
    required: bool
    needed_by: list[str] = field(default_factory=list)  # handling item codes
    supplied_by: str = ""  # "registry" or "license" when not asked for
    commitment_by: list[str] = field(default_factory=list)  # codes whose commitment waives it
    notes: str = ""

    @property
    def supplied_label(self) -> str:
        return {"registry": "共享数据获取，免提交", "license": "电子证照获取，免提交"}.get(
            self.supplied_by, ""
        )


@dataclass
class ApplicationForm:
    applicant_fields: list[FormField]
    fields: list[FormField]
    materials: list[MaterialRow]
    commitments: list[dict]  # one per handling item that allows it: code, name, text, waives

    @property
    def all_fields(self) -> list[FormField]:
        return self.applicant_fields + self.fields


def applicant_fields(kind: str, person=None, enterprise=None, user=None) -> list[FormField]:
    """The applicant's own fields, prefilled from the registry record where there is one."""
    source = REGISTRY_SOURCE["person"] if person else ""
    phone = (person.phone if person else "") or (user.phone if user else "")
    if kind == "enterprise":
        ent_source = REGISTRY_SOURCE["enterprise"] if enterprise else ""
        return [
            FormField("enterprise_name", "企业名称", "text",
                      value=enterprise.name if enterprise else None, source=ent_source,
                      locked=bool(enterprise)),
            FormField("credit_code", "统一社会信用代码", "credit_code",
                      value=enterprise.credit_code if enterprise else None, source=ent_source,
                      locked=bool(enterprise)),
            FormField("legal_representative", "法定代表人", "text",
                      value=enterprise.legal_rep_name if enterprise else None,
                      source=ent_source, locked=bool(enterprise)),
            FormField("applicant_name", "经办人姓名", "text",
                      value=person.name if person else None, source=source, locked=bool(person)),
            FormField("applicant_phone", "联系电话", "phone", value=phone or None,
                      source="人口库" if person and person.phone else ""),
        ]  # fmt: skip
    address = None
    if person is not None:
        community = person.household_community
        town = community.parent.name if community.parent_id else ""
        address = f"长沙市望城区{town}{community.name}"
    return [
        FormField("applicant_name", "申请人姓名", "text",
                  value=person.name if person else None, source=source, locked=bool(person)),
        FormField("applicant_id", "居民身份证号码", "id_number",
                  value=person.id_number if person else None, source=source,
                  locked=bool(person)),
        FormField("applicant_phone", "联系电话", "phone", value=phone or None,
                  source=source if person and person.phone else ""),
        FormField("applicant_address", "联系地址", "text", value=address,
                  source=f"{source}（户籍地）" if address else ""),
    ]  # fmt: skip


def build_form(
    handling_items, *, kind: str, person=None, enterprise=None, user=None, needs=None
) -> ApplicationForm:
    """The merged form of `handling_items` (HandlingItem rows with materials prefetched).

    `needs` optionally limits materials to those a bundle's guidance found applicable:
    a mapping handling item code → set of material names.
    """
    supplied = person is not None and (kind != "enterprise" or enterprise is not None)
    fields: dict[str, FormField] = {}
    materials: dict[str, MaterialRow] = {}
    commitments = []
    for handling in handling_items:
        for spec in handling.form_fields or []:
            existing = fields.get(spec["key"])
            if existing is None:
                existing = fields[spec["key"]] = FormField(
                    key=spec["key"],
                    label=spec["label"],
                    kind=spec["kind"],
                    required=bool(spec.get("required", True)),
                    help=spec.get("help", ""),
                    options=[(o["value"], o["label"]) for o in spec.get("options") or []],
                )
            else:
                existing.required = existing.required or bool(spec.get("required", True))
            existing.used_by.append(handling.code)
        wanted = needs.get(handling.code) if needs is not None else None
        for material in handling.materials.all():
            if wanted is not None and material.name not in wanted:
                continue
            row = materials.get(material.name)
            if row is None:
                row = materials[material.name] = MaterialRow(
                    name=material.name, required=material.required, notes=material.notes
                )
                if supplied and material.replaceable_by in ("license", "shared_data"):
                    row.supplied_by = (
                        "license" if material.replaceable_by == "license" else "registry"
                    )
            row.required = row.required or material.required
            row.needed_by.append(handling.code)
        commitment = handling.commitment
        if commitment:
            waives = [m for m in commitment.get("waives", []) if m in materials]
            for name in waives:
                materials[name].commitment_by.append(handling.code)
            commitments.append(
                {
                    "code": handling.code,
                    "name": handling.name,
                    "text": commitment["text"],
                    "waives": waives,
                    "verify_days": commitment.get("verify_days", 30),
                    "method": commitment.get("method", "书面核查"),
                }
            )
    return ApplicationForm(
        applicant_fields=applicant_fields(kind, person, enterprise, user),
        fields=list(fields.values()),
        materials=list(materials.values()),
        commitments=commitments,
    )


_PHONE = re.compile(r"^1[3-9]\d{9}$")


def parse_value(spec: FormField, raw):
    """The typed value of one answer, or ValueError with the Chinese reason."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if spec.required:
            raise ValueError(f"请填写{spec.label}")
        return None
    if spec.kind == "yesno":
        if isinstance(raw, bool):
            return raw
        if str(raw) in ("yes", "true", "是", "1"):
            return True
        if str(raw) in ("no", "false", "否", "0"):
            return False
        raise ValueError(f"{spec.label}请选择“是”或“否”")
    text = str(raw).strip()
    if spec.kind == "number":
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{spec.label}应为数字") from None
        if not value.is_finite() or value < 0 or value > Decimal("1e12"):
            raise ValueError(f"{spec.label}应为不小于0的有限数字")
        return float(value) if value != value.to_integral() else int(value)
    if spec.kind == "date":
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{spec.label}应为日期，如 2026-01-31") from None
        if not dt.date(1900, 1, 1) <= value <= dt.date(2100, 12, 31):
            raise ValueError(f"{spec.label}超出合理范围")
        return value.isoformat()
    if spec.kind == "single":
        values = [v for v, _ in spec.options]
        if text not in values:
            labels = "、".join(label for _, label in spec.options)
            raise ValueError(f"{spec.label}请在以下选项中选择：{labels}")
        return text
    if spec.kind == "id_number":
        if not is_valid_resident_id(text.upper()):
            raise ValueError(f"{spec.label}不是有效的居民身份证号码（请核对校验位）")
        return text.upper()
    if spec.kind == "phone":
        if not _PHONE.match(text):
            raise ValueError(f"{spec.label}应为11位手机号码")
        return text
    if len(text) > 200:
        raise ValueError(f"{spec.label}不能超过200字")
    return text


def parse_answers(form: ApplicationForm, raw: dict) -> tuple[dict, dict[str, str]]:
    """Typed answers for every field, and errors by field key. Locked fields keep their
    registry value whatever was posted."""
    answers, errors = {}, {}
    for spec in form.all_fields:
        value = spec.value if spec.locked else raw.get(spec.key, spec.value)
        if isinstance(value, float) and not math.isfinite(value):
            errors[spec.key] = f"{spec.label}应为有限数字"
            continue
        try:
            answers[spec.key] = parse_value(spec, value)
        except ValueError as exc:
            errors[spec.key] = str(exc)
    return answers, errors
