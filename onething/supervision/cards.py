"""Red and yellow cards (红黄牌): declared rules over each unit's month, a preview any day, and
the monthly run that issues them with their evidence.

Source: the district work plan, 三（二）7 “完善‘红黄牌’考核，明确各单位主体责任，通报‘红黄牌’预警
处理情况” — it asks for the cards but sets no thresholds, so each threshold is a local setting
(`onething/core/district_settings.py`, keys `cards.*`) read as it stood on the last day counted.

Units are every department (and the development zone) and every town. Three rules count what
became late in the unit's month (`lateness.py`: cases past their promised or statutory limit,
negative ratings past their verification deadline, each from its own clock); a rule fires when
its count reaches the threshold. The fourth, *repeated yellow cards*, fires when the unit has a
yellow card in each of the last N months, this one included: earlier months count the cards
actually issued, this month the yellow cards it gets now.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from onething.core.access import UNIT_STAFF_ROLES
from onething.core.district_settings import get_setting
from onething.core.errors import NotAllowed, NotFound, ServiceError
from onething.core.models import Department, Region, Role
from onething.core.services import load_calendar, record_audit, snapshot

from .lateness import case_lateness, negatives_past_verify, unit_of
from .models import Card, CardRun, Color, evidence_kind
from .months import as_of_day, end_of_day, month_end, month_label, previous_month

# --- The rules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardRule:
    code: str
    color: str
    label: str
    counts: str  # what the rule counts, as the pages explain it
    setting: str  # the threshold's district setting


CASES_PAST_PROMISED = "cases_past_promised"
NEGATIVE_PAST_VERIFY = "negative_past_verify"
CASES_PAST_STATUTORY = "cases_past_statutory"
REPEATED_YELLOW = "repeated_yellow"

RULES: dict[str, CardRule] = {
    rule.code: rule
    for rule in [
        CardRule(
            CASES_PAST_PROMISED, Color.YELLOW, "办件超过承诺时限",
            "承诺期限届满次日在本月、届满时仍未作出决定的办件数",
            "cards.yellow.cases_past_promised",
        ),
        CardRule(
            NEGATIVE_PAST_VERIFY, Color.YELLOW, "差评超期未核实",
            "核实期限届满次日在本月、届满时仍未核实的差评数（申诉成立的除外）",
            "cards.yellow.negative_past_verify",
        ),
        CardRule(
            CASES_PAST_STATUTORY, Color.RED, "办件超过法定时限",
            "法定期限届满次日在本月、届满时仍未作出决定的办件数",
            "cards.red.cases_past_statutory",
        ),
        CardRule(
            REPEATED_YELLOW, Color.RED, "连续被亮黄牌",
            "截至本月连续被亮黄牌的月数",
            "cards.red.repeated_yellow_months",
        ),
    ]
}  # fmt: skip


def thresholds(as_of: dt.date) -> dict[str, int]:
    """Each rule's threshold as the setting stood at the end of `as_of`."""
    at = min(timezone.now(), end_of_day(as_of))
    return {code: int(get_setting(rule.setting, at=at)) for code, rule in RULES.items()}


# --- Units ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    kind: str  # "department" | "town"
    pk: int
    name: str

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.pk)


def units(month: dt.date) -> list[Unit]:
    """Every department (with the development zone) and every town of the district in force
    during the month, in the order reports list them."""
    towns = Region.objects.filter(
        level=Region.Level.TOWN, parent__code=settings.ONETHING_DISTRICT_CODE
    ).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=month_end(month)),
        Q(valid_to__isnull=True) | Q(valid_to__gte=month),
    )
    departments = Department.objects.order_by("sort_order", "code")
    return [Unit("department", d.pk, d.name) for d in departments] + [
        Unit("town", t.pk, t.name) for t in towns.order_by("code")
    ]


def card_unit_key(card: Card) -> tuple[str, int] | None:
    return unit_of(card.department_id, card.town_id)


# --- Preview and issue ----------------------------------------------------------------------------


@dataclass
class WouldBeCard:
    """A card the rules give for the month: what the preview shows and the run writes."""

    month: dt.date
    unit: Unit
    rule: CardRule
    count: int
    threshold: int
    evidence: list[dict]

    @property
    def color(self) -> str:
        return self.rule.color

    @property
    def evidence_kind(self) -> str:
        return evidence_kind(self.rule.code)


def _yellow_months(keys: set, month: dt.date, look_back: int) -> dict[tuple, dict[dt.date, list]]:
    """Issued yellow cards of `keys` in the `look_back` months before `month`, by unit and
    month, with their rules' labels."""
    months = [month]
    for _ in range(look_back):
        months.append(previous_month(months[-1]))
    found: dict[tuple, dict[dt.date, list]] = defaultdict(lambda: defaultdict(list))
    issued = Card.objects.filter(color=Color.YELLOW, month__in=months[1:]).values_list(
        "month", "department_id", "town_id", "rule_label"
    )
    for card_month, dept, town, label in issued:
        key = unit_of(dept, town)
        if key in keys:
            found[key][card_month].append(label)
    return found


def preview(month: dt.date, *, today: dt.date | None = None) -> list[WouldBeCard]:
    """The cards the rules give for `month` as of today (or its end, once over). Writes
    nothing; any day, any number of times."""
    as_of = as_of_day(month, today)
    calendar = load_calendar()
    limits = thresholds(as_of)
    all_units = units(month)
    order = {u.key: i for i, u in enumerate(all_units)}
    named = {u.key: u for u in all_units}
    lateness = case_lateness(month, as_of, calendar)
    counted = {
        CASES_PAST_PROMISED: lateness.past_promised,
        NEGATIVE_PAST_VERIFY: negatives_past_verify(month, as_of, calendar),
        CASES_PAST_STATUTORY: lateness.past_statutory,
    }
    firing = [
        (code, key, lates)
        for code, per_unit in counted.items()
        for key, lates in per_unit.items()
        if len(lates) >= limits[code]
    ]
    cards = []
    for code, key, lates in firing:
        evidence = [late.as_evidence() for late in sorted(lates, key=lambda x: (x.due, x.ref))]
        cards.append(
            WouldBeCard(month, _unit(named, key), RULES[code], len(lates), limits[code], evidence)
        )
    cards += _repeated_yellow(month, cards, limits[REPEATED_YELLOW], named)
    rank = {code: i for i, code in enumerate(RULES)}
    cards.sort(key=lambda c: (order.get(c.unit.key, len(order)), rank[c.rule.code]))
    return cards


def _unit(named: dict, key: tuple) -> Unit:
    if key not in named:  # a case routed to a town no longer in force, say
        kind, pk = key
        model = Department if kind == "department" else Region
        named[key] = Unit(kind, pk, model.objects.get(pk=pk).name)
    return named[key]


def _repeated_yellow(month, cards, months_needed: int, named) -> list[WouldBeCard]:
    rule = RULES[REPEATED_YELLOW]
    now = defaultdict(list)
    for card in cards:
        if card.color == Color.YELLOW:
            now[card.unit.key].append(card.rule.label)
    earlier = _yellow_months(set(now), month, 11)
    found = []
    for key, labels in now.items():
        streak, day = [{"month": f"{month:%Y-%m}", "rules": labels}], previous_month(month)
        while earlier[key].get(day):
            streak.append({"month": f"{day:%Y-%m}", "rules": earlier[key][day]})
            day = previous_month(day)
        if len(streak) >= months_needed:
            found.append(
                WouldBeCard(month, named[key], rule, len(streak), months_needed, streak[::-1])
            )
    return found


@dataclass
class IssueResult:
    month: dt.date
    created: list[Card]
    existing: int


def issue_month(
    month: dt.date, *, actor=None, today: dt.date | None = None, request=None
) -> IssueResult:
    """The monthly run: write the month's cards with their evidence. Idempotent: a card that
    exists (same month, unit and rule) is left as issued; only missing ones are added. The
    month must be over. `actor` None is the scheduled run (系统)."""
    today = today or timezone.localdate()
    if actor is not None and getattr(actor, "role", None) != Role.SUPERVISOR:
        raise NotAllowed("只有区行政审批服务局监督人员可以签发红黄牌")
    if month_end(month) >= today:
        raise ServiceError(
            f"{month_label(month)}尚未结束，只能预览；每月结束后签发",
            fields={"month": "月份未结束"},
        )
    now = timezone.now()
    with transaction.atomic():
        created, existing = [], 0
        for would in preview(month, today=today):
            card = _create_card(would, actor, now)
            if card is None:
                existing += 1
                continue
            created.append(card)
            record_audit(
                actor=actor, action="supervision.card.issue", obj=card, after=snapshot(card),
                request=request,
            )  # fmt: skip
        run = CardRun.objects.create(
            month=month, ran_at=now, ran_by=actor, created=len(created), existing=existing
        )
        record_audit(
            actor=actor, action="supervision.cards.run", obj=run, after=snapshot(run),
            request=request,
        )  # fmt: skip
        _notify_units(created)
    return IssueResult(month, created, existing)


def _create_card(would: WouldBeCard, actor, now) -> Card | None:
    unit = {"department_id": would.unit.pk} if would.unit.kind == "department" else {
        "town_id": would.unit.pk
    }  # fmt: skip
    if Card.objects.filter(month=would.month, rule_code=would.rule.code, **unit).exists():
        return None
    try:
        with transaction.atomic():
            return Card.objects.create(
                month=would.month, color=would.color, rule_code=would.rule.code,
                rule_label=would.rule.label, count=would.count, threshold=would.threshold,
                evidence=would.evidence, issued_at=now, issued_by=actor, **unit,
            )  # fmt: skip
    except IntegrityError:  # a concurrent run issued it first
        return None


def _notify_units(cards: list[Card]) -> None:
    from onething.core.models import User
    from onething.core.notifications import notify

    by_unit = defaultdict(list)
    for card in cards:
        by_unit[card_unit_key(card)].append(card)
    for (kind, pk), unit_cards in by_unit.items():
        staff = User.objects.filter(
            is_active=True, **({"department_id": pk} if kind == "department" else {"town_id": pk})
        ).filter(role__in=UNIT_STAFF_ROLES)
        admins = staff.filter(role=Role.DEPARTMENT_ADMIN)
        listed = "；".join(
            f"{c.get_color_display()}：{c.rule_label}（{c.count}）" for c in unit_cards
        )
        month = month_label(unit_cards[0].month)
        for user in admins if admins.exists() else staff:
            notify(
                user, title=f"{month}红黄牌：本单位被亮牌{len(unit_cards)}张",
                body=f"{listed}。请查看证据并回复。", link="/supervision/cards/mine/",
            )  # fmt: skip


# --- Responding -----------------------------------------------------------------------------------

RESPONSE_MAX = 2000


def respond_to_card(*, card_id: int, actor, text: str, request=None) -> Card:
    """The unit's answer to its card (replaces an earlier answer; each one audited)."""
    text = (text or "").strip()
    with transaction.atomic():
        card = (
            Card.objects.visible_to(actor).filter(pk=card_id).order_by().select_for_update().first()
        )
        if card is None:
            raise NotFound("红黄牌不存在或无权查看")
        if actor.role not in UNIT_STAFF_ROLES:
            raise NotAllowed("只有被亮牌单位的工作人员可以回复")
        if not text:
            raise ServiceError("请填写回复内容", fields={"response": "不能为空"})
        if len(text) > RESPONSE_MAX:
            raise ServiceError(
                f"回复不能超过{RESPONSE_MAX}个字",
                fields={"response": f"不能超过{RESPONSE_MAX}个字"},
            )
        before = snapshot(card)
        card.response, card.responded_at, card.responded_by = text, timezone.now(), actor
        card.save(update_fields=["response", "responded_at", "responded_by"])
        record_audit(
            actor=actor, action="supervision.card.respond", obj=card, before=before,
            after=snapshot(card), request=request,
        )  # fmt: skip
    return card
