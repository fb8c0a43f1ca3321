"""The supervision dashboard's data: one `Chart` per panel, each with the table that is its
text alternative and its CSV. Aggregates run in the database (counts grouped by month, unit,
level or state); the indicators and the units' 按时办结率 come from `indicators.py`, the cards
from `cards.py` — nothing here re-implements a formula.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from onething.cases import clock
from onething.cases.models import Case
from onething.cases.selectors import with_warning
from onething.evaluation.models import Level, NegativeHandling, Rating

from . import cards
from .lateness import unit_of
from .models import Card, Color
from .months import as_of_day, month_end, next_month, start_of_day
from .summary import indicator_summary, on_time_by_unit

RANKING_FORMULA = (
    "按时办结率 = 本月办结办件中在承诺时限内作出决定的件数 ÷ 本月办结办件数 × 100%"
    "（各单位分别计算，口径与工作方案指标“按时办结率”相同）"
)


@dataclass
class Series:
    name: str
    data: list
    kind: str = ""  # "marker": drawn as a tick against the bars (a target)


@dataclass
class Chart:
    """One panel: a chart and the same numbers as a table (and CSV)."""

    name: str  # the CSV key: ?format=csv&chart=<name>
    title: str
    type: str  # bar | hbar | line | pie
    categories: list[str]
    series: list[Series]
    category_label: str
    unit: str = "件"
    note: str = ""
    link: str = ""  # a page with more (drill-down)
    columns: list[str] = field(default_factory=list)  # the table when it shows more than the chart
    rows: list[list] = field(default_factory=list)

    def table(self) -> tuple[list[str], list[list]]:
        if self.columns:
            return self.columns, self.rows
        columns = [self.category_label] + [f"{s.name}（{self.unit}）" for s in self.series]
        rows = [
            [category, *(s.data[i] for s in self.series)]
            for i, category in enumerate(self.categories)
        ]
        return columns, rows

    def option(self) -> dict:
        """What the browser script draws (static/supervision/dashboard.js)."""
        return {
            "id": f"chart-{self.name}",
            "type": self.type,
            "title": self.title,
            "categories": self.categories,
            "series": [{"name": s.name, "data": s.data, "kind": s.kind} for s in self.series],
            "unit": self.unit,
        }


def _unit_names(month: dt.date) -> dict[tuple, str]:
    return {u.key: u.name for u in cards.units(month)}


def _month_range(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return start_of_day(month), start_of_day(next_month(month))


def cases_by_month(month: dt.date) -> Chart:
    """One count per month of the year on the `submitted_at` index (a month's range each)."""
    today = timezone.localdate()
    months = [dt.date(month.year, m, 1) for m in range(1, 13)]
    months = [m for m in months if m <= today]
    counts = [
        Case.objects.filter(
            submitted_at__gte=start_of_day(m), submitted_at__lt=start_of_day(next_month(m))
        ).count()
        for m in months
    ]
    return Chart(
        "cases_by_month", f"{month.year}年各月办件量", "line", [f"{m.month}月" for m in months],
        [Series("办件量", counts)], "月份", note="按申请提交时间统计",
    )  # fmt: skip


def cases_by_unit(month: dt.date, names: dict) -> Chart:
    start, end = _month_range(month)
    rows = (
        Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .values("department_id", "town_id")
        .annotate(n=Count("*"))
    )
    counts = sorted(
        ((names.get(unit_of(r["department_id"], r["town_id"]), "其他"), r["n"]) for r in rows),
        key=lambda x: (-x[1], x[0]),
    )
    return Chart(
        "cases_by_unit", f"{month.month}月各单位办件量", "hbar", [n for n, _ in counts],
        [Series("办件量", [c for _, c in counts])], "单位",
        note="按申请提交时间统计；区直单位、园区和街镇",
    )  # fmt: skip


WARNING_ORDER = (clock.RED, clock.YELLOW, clock.GREEN, clock.PAUSED)


def warnings() -> Chart:
    counts = [with_warning(Case.objects.all(), w).count() for w in WARNING_ORDER]
    return Chart(
        "warnings", "在办件超期与预警（截至今日）", "bar",
        [clock.WARNING_LABELS[w] for w in WARNING_ORDER], [Series("在办件", counts)], "预警",
        note="已超期：当前环节期限已过；即将到期：剩余工作日不超过预警阈值（本地规则设置）",
        link="/cases/?warning=red",
    )  # fmt: skip


def ratings(month: dt.date) -> Chart:
    start, end = _month_range(month)
    counts = dict(
        Rating.objects.filter(created_at__gte=start, created_at__lt=end, status=Rating.Status.VALID)
        .values_list("level")
        .annotate(n=Count("*"))
    )
    levels = sorted(Level.choices, reverse=True)
    return Chart(
        "ratings", f"{month.month}月好差评分布", "pie", [label for _, label in levels],
        [Series("评价数", [counts.get(value, 0) for value, _ in levels])], "评价等级",
        note="不含经申诉核定无效的评价；不满意、非常不满意为差评",
    )  # fmt: skip


def negatives(month: dt.date) -> Chart:
    counts = dict(
        NegativeHandling.objects.filter(opened_on__gte=month, opened_on__lte=month_end(month))
        .values_list("state")
        .annotate(n=Count("*"))
    )
    states = NegativeHandling.State.choices
    return Chart(
        "negatives", f"{month.month}月差评处置状态", "hbar", [label for _, label in states],
        [Series("差评数", [counts.get(value, 0) for value, _ in states])], "处置状态",
        note="本月收到的差评目前所处的环节", link="/ratings/",
    )  # fmt: skip


def card_chart(month: dt.date, would_be: list, issued: bool) -> Chart:
    rules = list(cards.RULES.values())
    count = {rule.code: 0 for rule in rules}
    units = {rule.code: [] for rule in rules}
    for card in would_be:
        count[card.rule.code] += 1
        units[card.rule.code].append(card.unit.name)
    state = "已签发" if issued else "预览"
    return Chart(
        "cards", f"{month.month}月红黄牌（{state}）", "hbar", [r.label for r in rules],
        [Series("单位数", [count[r.code] for r in rules])], "规则", unit="个单位",
        note="红牌：办件超过法定时限、连续被亮黄牌；黄牌：办件超过承诺时限、差评超期未核实",
        link=f"/supervision/cards/?month={month:%Y-%m}",
        columns=["规则", "颜色", "单位数（个）", "单位"],
        rows=[
            [r.label, "红牌" if r.color == Color.RED else "黄牌", count[r.code],
             "、".join(units[r.code]) or "—"]
            for r in rules
        ],
    )  # fmt: skip


def ranking(month: dt.date, on_time: dict, names: dict) -> Chart:
    ranked = [
        (names.get(key, "其他"), concluded, done, round(100 * done / concluded, 1))
        for key, (done, concluded) in on_time.items()
    ]
    ranked.sort(key=lambda r: (-r[3], -r[1], r[0]))
    return Chart(
        "ranking", f"{month.month}月各单位按时办结率排名", "hbar", [r[0] for r in ranked],
        [Series("按时办结率", [r[3] for r in ranked])], "单位", unit="%",
        note=RANKING_FORMULA + "；同率按办结量排序",
        columns=["名次", "单位", "本月办结（件）", "在承诺时限内决定（件）", "按时办结率（%）"],
        rows=[[i, name, concluded, done, rate]
              for i, (name, concluded, done, rate) in enumerate(ranked, start=1)],
    )  # fmt: skip


def indicator_chart(month: dt.date, indicators: list[dict]) -> Chart:
    shown = [row for row in indicators if row.get("percent")]
    return Chart(
        "indicators", "工作方案指标：本月值与目标", "hbar", [row["name"] for row in shown],
        [Series("本月值", [row["value_number"] for row in shown]),
         Series("目标", [row["target_number"] for row in shown], "marker")], "指标", unit="%",
        note="公式见各指标明细页",
        columns=["指标", "本月值", "目标", "是否达标"],
        rows=[[row["name"], row["value"], row["target"], row["met"]] for row in indicators],
    )  # fmt: skip


@dataclass
class Dashboard:
    month: dt.date
    as_of: dt.date
    indicators: list[dict]
    charts: list[Chart]
    cards_issued: bool
    card_counts: dict

    def chart(self, name: str) -> Chart | None:
        return next((c for c in self.charts if c.name == name), None)


class _Month:
    """What several panels share for one month, computed at most once."""

    def __init__(self, month: dt.date, today: dt.date):
        self.month, self.today = month, today
        self.as_of = as_of_day(month, today)
        self.names = _unit_names(month)
        self._cards = self._indicators = None

    @property
    def cards(self) -> tuple[list, bool]:
        """The month's issued cards, or the preview while none are issued."""
        if self._cards is None:
            issued = list(Card.objects.of_month(self.month).select_related("department", "town"))
            if issued:
                self._cards = ([_issued_as_would_be(c, self.names) for c in issued], True)
            else:
                found = cards.preview(self.month, today=self.today)
                self._cards = (found, False)
        return self._cards

    @property
    def indicators(self) -> list[dict]:
        if self._indicators is None:
            self._indicators = indicator_summary(self.month, today=self.today)
        return self._indicators


_BUILDERS = {
    "indicators": lambda m: indicator_chart(m.month, m.indicators),
    "cases_by_month": lambda m: cases_by_month(m.month),
    "cases_by_unit": lambda m: cases_by_unit(m.month, m.names),
    "warnings": lambda m: warnings(),
    "ratings": lambda m: ratings(m.month),
    "negatives": lambda m: negatives(m.month),
    "cards": lambda m: card_chart(m.month, *m.cards),
    "ranking": lambda m: ranking(m.month, on_time_by_unit(m.month, today=m.today), m.names),
}
CHART_NAMES = tuple(_BUILDERS)


def build_chart(month: dt.date, name: str, *, today: dt.date | None = None) -> Chart | None:
    """One panel only (for its CSV); None for an unknown name."""
    if name not in _BUILDERS:
        return None
    return _BUILDERS[name](_Month(month, today or timezone.localdate()))


def build(month: dt.date, *, today: dt.date | None = None) -> Dashboard:
    """Every panel of the dashboard for `month` (as of today while the month runs)."""
    shared = _Month(month, today or timezone.localdate())
    charts = [make(shared) for make in _BUILDERS.values()]
    would_be, issued = shared.cards
    card_counts = {
        "red": sum(1 for c in would_be if c.color == Color.RED),
        "yellow": sum(1 for c in would_be if c.color == Color.YELLOW),
    }
    return Dashboard(month, shared.as_of, shared.indicators, charts, issued, card_counts)


def _issued_as_would_be(card: Card, names: dict) -> cards.WouldBeCard:
    key = cards.card_unit_key(card)
    unit = cards.Unit(key[0], key[1], names.get(key, card.unit_name))
    return cards.WouldBeCard(
        card.month, unit, cards.RULES[card.rule_code], card.count, card.threshold, card.evidence
    )
