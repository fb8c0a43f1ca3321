"""The formal notices (文书) of a case as PDF, laid out after GB/T 9704 (党政机关公文格式).

A notice is rendered from the `context` recorded when it was issued (services._issue), so the
same notice always gives the same text. The wording of each kind is in
`cases/notices/<kind>.html` and cites 《中华人民共和国行政许可法》: 受理 and 补正 art. 32, 延长
art. 42, 特别程序 art. 45, 准予 art. 38 and 44, 不予 art. 38 (reasons and the right to
reconsideration or litigation), 撤销 art. 69 with 国办发〔2020〕42号.

The seal drawn on the notice is a placeholder and says so: an electronic seal has the effect of
a physical one (国务院令第716号 第九条), and this drawing is not one.

WeasyPrint fetches nothing: only data: URLs are allowed, and the template uses none.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from onething.core.identity import mask_resident_id

from .clock import DELIVERY_DAYS, EXTENSION_DAYS
from .models import Notice

FONT_STACK = '"Noto Serif CJK SC", "Noto Sans CJK SC", serif'
_UNIT_LABELS = {"working_day": "个工作日", "calendar_day": "日", "hour": "小时"}
_CN_DIGITS = "零一二三四五六七八九"
# Characters not allowed in a file name on common systems, or in a header.
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f;]+')
_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")


def chinese_date(value) -> str:
    """2026-11-28 → 2026年11月28日 (GB/T 9704: Arabic numerals, no leading zeros); "" if none."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return f"{value.year}年{value.month}月{value.day}日"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (list numbering 一、二、)."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    return str(n)


def _span(days, unit: str) -> str:
    try:
        days = int(days)
    except (TypeError, ValueError):
        return ""
    return f"{days}{_UNIT_LABELS.get(unit, '个工作日')}"


def _lines(text) -> list[str]:
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


def _clause(text) -> str:
    """Free text written into a sentence: one line, without its closing punctuation."""
    return " ".join(_lines(text)).rstrip("。.；;，,")


def _applicant_kind(notice, code: str) -> str:
    kind = notice.context.get("applicant_kind")
    if kind:
        return kind
    if notice.case_id:
        return notice.case.application.applicant_kind
    return "person" if _RESIDENT_ID.match(code or "") else "enterprise"


def _limit_units(notice) -> tuple[str, str]:
    context = notice.context
    if "statutory_unit" in context:
        return context["statutory_unit"], context.get("promised_unit", context["statutory_unit"])
    if notice.case_id:
        return notice.case.statutory_unit, notice.case.promised_unit
    return "working_day", "working_day"


# --- The seal placeholder -------------------------------------------------------------------


@dataclass(frozen=True)
class SealChar:
    char: str
    x: float
    y: float
    angle: float


@dataclass(frozen=True)
class Seal:
    chars: list[SealChar]
    font_size: float
    star: str  # SVG polygon points


def seal_for(unit: str) -> Seal:
    """The unit's name along the top arc of a 100×100 circle, a star in the middle (as on an
    official seal, GA 241), each character upright towards the rim."""
    name = unit.strip() or "印章"
    n = len(name)
    span = min(220.0, max(100.0, 21.0 * n))  # degrees of arc the name occupies
    step = span / n
    font_size = round(min(12.5, 0.85 * 2 * math.pi * 36 * step / 360), 2)
    radius = 44.5 - 0.88 * font_size  # baseline radius: the glyph tops stay inside the rim
    chars = []
    for i, char in enumerate(name):
        angle = -span / 2 + step * (i + 0.5)
        rad = math.radians(angle)
        chars.append(
            SealChar(
                char,
                round(50 + radius * math.sin(rad), 2),
                round(50 - radius * math.cos(rad), 2),
                round(angle, 2),
            )
        )
    points = []
    for k in range(10):
        r = 13 if k % 2 == 0 else 5.2
        a = math.radians(-90 + 36 * k)
        points.append(f"{50 + r * math.cos(a):.2f},{52 + r * math.sin(a):.2f}")
    return Seal(chars, font_size, " ".join(points))


# --- Rendering --------------------------------------------------------------------------------


# Decisions on items that are not administrative licences (行政确认, 行政给付, 公共服务 …) are
# not 行政许可决定书 and do not cite the Licensing Law's decision articles.
NON_LICENSING_TITLES = {
    "approval": "准予办理决定书",
    "denial": "不予办理决定书",
    "revocation": "撤销决定书",
}


def is_licensing(notice) -> bool:
    """Whether the item is an administrative licence (kind 01); older notices without the
    recorded kind are treated as licences, as they were issued."""
    return str((notice.context or {}).get("item_kind") or "01") == "01"


def notice_title(notice) -> str:
    if not is_licensing(notice) and notice.kind in NON_LICENSING_TITLES:
        return NON_LICENSING_TITLES[notice.kind]
    return notice.get_kind_display()


def notice_context(notice) -> dict:
    """What the template needs: the recorded context with dates in Chinese, limits with their
    units, the applicant's number masked as it is shown everywhere."""
    if notice.kind not in Notice.Kind.values:
        raise ValueError(f"unknown notice kind {notice.kind!r}")
    c = dict(notice.context or {})
    code = str(c.get("applicant_code") or "")
    kind = _applicant_kind(notice, code)
    if kind == "person":
        code_label, shown_code = "居民身份证号码", mask_resident_id(code) if code else ""
    else:
        code_label, shown_code = "统一社会信用代码", code
    statutory_unit, promised_unit = _limit_units(notice)
    issued_on = c.get("issued_on") or (notice.issued_at and timezone.localdate(notice.issued_at))
    promised_due = c.get("promised_due") or ""
    statutory_due = c.get("statutory_due") or ""
    basis = str(c.get("basis") or "")
    item, handling = c.get("item") or "", c.get("handling_item") or ""
    # 医疗机构执业登记（新办）, not 医疗机构执业登记（医疗机构执业登记（新办））
    matter = (
        handling if item and item in handling else f"{item}（{handling}）" if handling else item
    )
    return {
        "notice": notice,
        "title": notice_title(notice),
        "licensing": is_licensing(notice),
        "number": notice.number,
        "font_stack": FONT_STACK,
        "c": c,
        "unit": c.get("unit") or "",
        "applicant": c.get("applicant") or "",
        "code_label": code_label,
        "applicant_code": shown_code,
        "you": "你" if kind == "person" else "你单位",
        "matter": matter,
        "received_on": chinese_date(c.get("received_on")),
        "accepted_on": chinese_date(c.get("accepted_on")),
        "decided_on": chinese_date(c.get("decided_on")),
        "issued_on": chinese_date(issued_on),
        "statutory_due": chinese_date(statutory_due),
        "promised_due": chinese_date(promised_due),
        "decision_due": chinese_date(promised_due or statutory_due),
        "statutory_days": c.get("statutory_days"),
        "on_the_spot": c.get("statutory_days") == 0,
        "statutory_limit": _span(c.get("statutory_days"), statutory_unit),
        "promised_limit": _span(c.get("promised_days"), promised_unit),
        "legal_basis": _lines(c.get("legal_basis")),
        "problems": [
            {
                "number": chinese_ordinal(i),
                "item": _clause(p.get("item")),
                "problem": _clause(p.get("problem")),
            }
            for i, p in enumerate(c.get("problems") or [], start=1)
            if isinstance(p, dict)
        ],
        "reasons": _lines(c.get("reasons")),
        "reason": _clause(c.get("reason")),
        "remedies": _lines(c.get("remedies")),
        "finding": _clause(c.get("finding")),
        "procedure": c.get("procedure") or "特别程序",
        "expected_days": c.get("expected_days"),
        "basis": basis,
        "by_commitment": "告知承诺" in basis,
        "extension_days": EXTENSION_DAYS,
        "delivery_days": DELIVERY_DAYS,
        "phone": c.get("phone") or "",
        "seal": seal_for(c.get("unit") or ""),
        "body_template": f"cases/notices/{notice.kind}.html",
    }


def render_notice_html(notice) -> str:
    return render_to_string("cases/notice.html", notice_context(notice))


def html_to_pdf(html: str) -> bytes:
    """An official document's HTML as a PDF with embedded Noto CJK fonts (WeasyPrint)."""
    import weasyprint

    # Nothing is fetched: no file, no network; only data: URLs would be (none are used).
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()


def pdf_filename(name: str) -> str:
    """`name`.pdf with nothing that breaks a file name or a header (views send it RFC
    5987-encoded in filename*), at most 120 characters before the extension."""
    name = _UNSAFE_IN_NAME.sub("_", name).strip(" ._") or "文书"
    return f"{name[:120]}.pdf"


def render_notice_pdf(notice) -> bytes:
    """The notice as an A4 PDF."""
    return html_to_pdf(render_notice_html(notice))


def notice_filename(notice) -> str:
    """望审受〔2026〕123号-受理通知书.pdf: the number and the title."""
    return pdf_filename(f"{notice.number}-{notice_title(notice)}")
