"""The bureau's monthly bulletin (通报) of red and yellow cards, as a PDF after GB/T 9704.

Publishing records everything the document says — cards per unit, the thresholds, the
indicator summary — in `Bulletin.context`, so the PDF rendered on each download is always the
same document, as with the case notices (`cases/notices.py`). The seal is the same labelled
placeholder as on the notices. WeasyPrint fetches nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from onething.cases.notices import (
    FONT_STACK,
    chinese_date,
    chinese_ordinal,
    html_to_pdf,
    pdf_filename,
    seal_for,
)
from onething.cases.services import next_in_sequence
from onething.core.errors import Conflict, NotAllowed, ServiceError
from onething.core.models import Department, Role
from onething.core.services import record_audit, snapshot

from . import cards
from .models import Bulletin, Card, CardRun, Color
from .months import month_end, month_label

BULLETIN_MARK = "望审监"


def _issuer() -> str:
    lead = Department.objects.filter(is_lead=True).order_by("sort_order").first()
    return lead.full_name if lead else "区行政审批服务局"


def bulletin_context(month: dt.date, *, today: dt.date | None = None) -> dict:
    """What the bulletin says about `month`: the issued cards by unit, the rules with their
    thresholds, and the month's indicators. JSON-safe, to be stored."""
    issued = list(
        Card.objects.of_month(month)
        .select_related("department", "town")
        .order_by("department__sort_order", "department__code", "town__code", "color", "rule_code")
    )
    all_units = cards.units(month)
    order = {u.key: i for i, u in enumerate(all_units)}
    by_unit: dict[tuple, dict] = {}
    for card in issued:
        key = cards.card_unit_key(card)
        entry = by_unit.setdefault(
            key,
            {"name": card.unit_name, "kind": key[0], "red": 0, "yellow": 0, "cards": [],
             "responded": False},
        )  # fmt: skip
        entry[card.color] += 1
        entry["responded"] = entry["responded"] or bool(card.response)
        entry["cards"].append(
            {
                "color": card.color,
                "color_label": card.get_color_display(),
                "rule": card.rule_label,
                "count": card.count,
                "threshold": card.threshold,
                "evidence": [row.get("ref", row.get("month", "")) for row in card.evidence][:20],
                "more": max(0, len(card.evidence) - 20),
                "response": card.response,
            }
        )
    units = sorted(by_unit.items(), key=lambda kv: order.get(kv[0], len(order)))
    limits = cards.thresholds(month_end(month))
    from .summary import indicator_summary

    return {
        "month": f"{month:%Y-%m}",
        "month_label": month_label(month),
        "issuer": _issuer(),
        "units": [entry for _, entry in units],
        "totals": {
            "red": sum(1 for c in issued if c.color == Color.RED),
            "yellow": sum(1 for c in issued if c.color == Color.YELLOW),
            "units_carded": len(units),
            "units": len(all_units),
        },
        "rules": [
            {"label": r.label, "color": r.color, "counts": r.counts, "threshold": limits[r.code]}
            for r in cards.RULES.values()
        ],
        "indicators": indicator_summary(month, today=today),
    }


def publish_bulletin(
    *, month: dt.date, actor, today: dt.date | None = None, request=None
) -> Bulletin:
    """Publish the month's bulletin: numbered 望审监〔year〕N号 in the year of publication, once
    per month, after the month's cards were issued."""
    today = today or timezone.localdate()
    if actor is None or actor.role != Role.SUPERVISOR:
        raise NotAllowed("只有区行政审批服务局监督人员可以印发通报")
    if month_end(month) >= today:
        raise ServiceError(f"{month_label(month)}尚未结束，不能印发通报")
    if not CardRun.objects.filter(month=month).exists():
        raise ServiceError(f"请先签发{month_label(month)}的红黄牌，再印发通报")
    if Bulletin.objects.filter(month=month).exists():
        raise Conflict(f"{month_label(month)}的通报已经印发")
    context = bulletin_context(month, today=today)
    now = timezone.now()
    try:
        with transaction.atomic():
            year = timezone.localdate(now).year
            number = f"{BULLETIN_MARK}〔{year}〕{next_in_sequence(f'bulletin:{year}')}号"
            context["issued_on"] = timezone.localdate(now).isoformat()
            bulletin = Bulletin.objects.create(
                month=month, number=number, published_at=now, published_by=actor, context=context
            )
            record_audit(
                actor=actor, action="supervision.bulletin.publish", obj=bulletin,
                after=snapshot(bulletin), request=request,
            )  # fmt: skip
    except IntegrityError as error:
        raise Conflict(f"{month_label(month)}的通报已经印发") from error
    return bulletin


# --- The PDF ------------------------------------------------------------------------------------


def render_context(bulletin: Bulletin) -> dict:
    c = dict(bulletin.context)
    return {
        "bulletin": bulletin,
        "c": c,
        "number": bulletin.number,
        "title": f"关于{c['month_label']}政务服务“红黄牌”考核情况的通报",
        "issuer": c["issuer"],
        "issued_on": chinese_date(c.get("issued_on") or bulletin.published_at),
        "font_stack": FONT_STACK,
        "seal": seal_for(c["issuer"]),
        "sections": [chinese_ordinal(i) for i in range(1, 6)],
    }


def render_bulletin_html(bulletin: Bulletin) -> str:
    return render_to_string("supervision/bulletin_pdf.html", render_context(bulletin))


def render_bulletin_pdf(bulletin: Bulletin) -> bytes:
    return html_to_pdf(render_bulletin_html(bulletin))


def bulletin_filename(bulletin: Bulletin) -> str:
    return pdf_filename(f"{bulletin.number}-{bulletin.context['month_label']}红黄牌通报")
