"""Local rules (本地规则设置): what the district may choose, declared with defaults and sources.

ARCHITECTURE rule 4: national rules are code, local rules are settings. Each limit the district
sets is declared once below with its default and the clause it comes from; the bureau changes
it on /settings/ (a new version with its own source) and every reader calls `get_setting`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from onething.core.models import DistrictSetting, User

WORK_PLAN = (
    "《望城区2021年度“政务服务”指标优化提升暨“放管服”和“一件事一次办”改革真抓实干工作方案》"
    "（望城区行政审批服务局，2021年5月25日）"
)
HOTLINE_RULES = "区12345热线工作规范（本地设置）"
CARD_RULES = f"望城区工作方案：完善“红黄牌”考核（本地设置）。{WORK_PLAN}三（二）7"

# Indicator targets (onething/supervision/indicators.py): (key, label, default, max, source).
# The plan's own numbers; where it names an indicator without one, the bureau's provisional value.
_PROVISIONAL = "区行政审批服务局暂定：工作方案三（二）7将其列为重点督查指标，但未规定目标值"
INDICATOR_TARGETS = [
    ("rating_level_coverage_target", "评价层级覆盖率目标（%）", 100, 100,
     f"{WORK_PLAN}三（二）7：“‘好差评’评价层级覆盖率达到100%”"),
    ("rating_item_coverage_target", "评价事项覆盖率目标（%）", 40, 100,
     f"{WORK_PLAN}三（二）7：“评价事项覆盖率……全市排名靠前且不低于40%”"),
    ("negative_verify_target", "差评核实及时率目标（%）", 100, 100,
     f"{WORK_PLAN}三（二）7：“1个工作日内完成差评核实”"),
    ("negative_rectify_target", "差评整改及时率目标（%）", 100, 100,
     f"{WORK_PLAN}三（二）7：“10个工作日内完成差评处置”"),
    ("actual_rating_rate_target", "群众实际评价率目标（%）", 50, 100, _PROVISIONAL),
    ("monthly_level_coverage_target", "月度层级覆盖率目标（%）", 100, 100,
     f"{WORK_PLAN}三（三）3：“确保平台每月层级覆盖率……达到100%”"),
    ("monthly_item_coverage_target", "月度办件事项覆盖率目标（%）", 23, 100,
     f"{WORK_PLAN}三（三）3：“每月办件事项覆盖率……不低于23%”"),
    ("annual_cases_target", "年办件量目标（件）", 260_000, 100_000_000,
     f"{WORK_PLAN}三（三）3：“年办件量不低于26万”"),
    ("online_availability_target", "网上可办率目标（%）", 98, 100,
     f"{WORK_PLAN}三（三）1：“实现至少98%政务服务事项网上可办”"),
    ("pre_review_target", "一个工作日内预审受理率目标（%）", 100, 100,
     f"{WORK_PLAN}三（三）3：“1个工作日内预审或受理处理平台申请办件、咨询”"),
    ("good_rating_target", "好评率目标（%）", 95, 100,
     "区行政审批服务局暂定：工作方案未规定好评率目标值"),
]  # fmt: skip

_TRUE = {"true", "1", "yes", "on", "是"}
_FALSE = {"false", "0", "no", "off", "否"}


@dataclass(frozen=True)
class SettingSpec:
    """One local rule. For `int`, min and max bound the value; for `text`, its length."""

    key: str
    label: str
    type: str  # "int" | "bool" | "text"
    default: Any
    source: str
    min: int | None = None
    max: int | None = None
    unit: str = ""

    def parse(self, raw: Any) -> Any:
        """The value as stored (int, bool or str); ValueError says in Chinese what is allowed."""
        if self.type == "int":
            return self._parse_int(raw)
        if self.type == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError("应为“是”或“否”")
        text = "" if raw is None else str(raw).strip()
        if self.min is not None and len(text) < self.min:
            raise ValueError(f"至少{self.min}个字" if self.min > 1 else "不能为空")
        if self.max is not None and len(text) > self.max:
            raise ValueError(f"不能超过{self.max}个字")
        return text

    def _parse_int(self, raw: Any) -> int:
        not_an_integer = ValueError(f"不是整数，可填{self.allowed}")
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise not_an_integer
        if isinstance(raw, str) and "_" in raw:
            raise not_an_integer  # Python reads 1_0 as 10; a person did not mean that
        try:
            value = int(raw.strip()) if isinstance(raw, str) else int(raw)
        except (TypeError, ValueError):
            raise not_an_integer from None
        if (self.min is not None and value < self.min) or (
            self.max is not None and value > self.max
        ):
            raise ValueError(f"超出范围，可填{self.allowed}")
        return value

    def display(self, value: Any) -> str:
        """The value as a person reads it: 1 个工作日, 是, or the text."""
        if self.type == "bool":
            return "是" if value else "否"
        if self.type == "int" and self.unit:
            return f"{value} 个{self.unit}"
        return str(value)

    @property
    def allowed(self) -> str:
        """What a user may enter, for the form's help text and the API."""
        if self.type == "bool":
            return "是或否"
        if self.type == "int":
            bounds = f"{self.min}至{self.max}之间的" if None not in (self.min, self.max) else ""
            return f"{bounds}整数" + (f"（{self.unit}）" if self.unit else "")
        return f"不超过{self.max}个字的文字" if self.max else "文字"


SPECS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in [
        SettingSpec(
            key="cases.pre_review_days",
            label="预审时限（工作日）",
            type="int",
            default=1,
            # At most 5: 行政许可法 第三十二条 requires one notice of corrections within
            # 5 working days, which pre-review must not exceed.
            min=1,
            max=5,
            unit="工作日",
            source=f"{WORK_PLAN}三（三）3：“1个工作日内预审或受理处理平台申请办件、咨询”",
        ),
        SettingSpec(
            key="cases.yellow_days",
            label="黄色预警阈值（剩余工作日）",
            type="int",
            default=2,
            min=1,
            max=10,
            unit="工作日",
            source="区行政审批服务局设定",
        ),
        SettingSpec(
            key="ratings.verify_days",
            label="差评核实时限（工作日）",
            type="int",
            default=1,
            min=1,
            max=10,
            unit="工作日",
            source=f"{WORK_PLAN}三（二）7：“1个工作日内完成差评核实”",
        ),
        SettingSpec(
            key="ratings.rectify_days",
            label="差评整改时限（工作日）",
            type="int",
            default=10,
            min=1,
            max=60,
            unit="工作日",
            source=f"{WORK_PLAN}三（二）7：“10个工作日内完成差评处置”",
        ),
        # The work plan only asks to follow the city's 12345 rules (三（二）7) and sets no
        # hotline limits of its own: these are the district's choice.
        SettingSpec(
            key="hotline.sign_days",
            label="热线工单签收时限（工作日）",
            type="int",
            default=1,
            min=1,
            max=5,
            unit="工作日",
            source=HOTLINE_RULES,
        ),
        SettingSpec(
            key="hotline.reply_consultation_days",
            label="咨询类工单答复时限（工作日）",
            type="int",
            default=2,
            min=1,
            max=20,
            unit="工作日",
            source=HOTLINE_RULES,
        ),
        SettingSpec(
            key="hotline.reply_help_days",
            label="求助类工单答复时限（工作日）",
            type="int",
            default=5,
            min=1,
            max=30,
            unit="工作日",
            source=HOTLINE_RULES,
        ),
        SettingSpec(
            key="hotline.reply_complaint_days",
            label="投诉类工单答复时限（工作日）",
            type="int",
            default=5,
            min=1,
            max=30,
            unit="工作日",
            source=HOTLINE_RULES,
        ),
        SettingSpec(
            key="hotline.reply_suggestion_days",
            label="建议类工单答复时限（工作日）",
            type="int",
            default=10,
            min=1,
            max=60,
            unit="工作日",
            source=HOTLINE_RULES,
        ),
        # Red and yellow cards (onething/supervision/cards.py): the plan asks for the cards but
        # sets no thresholds; a rule fires when a unit's count for the month reaches its value.
        SettingSpec(
            key="cards.yellow.cases_past_promised",
            label="黄牌：本月超过承诺时限的办件数达到（件）",
            type="int",
            default=1,
            min=1,
            max=10000,
            source=CARD_RULES,
        ),
        SettingSpec(
            key="cards.yellow.negative_past_verify",
            label="黄牌：本月超过核实期限的差评数达到（条）",
            type="int",
            default=1,
            min=1,
            max=10000,
            source=CARD_RULES,
        ),
        SettingSpec(
            key="cards.red.cases_past_statutory",
            label="红牌：本月超过法定时限的办件数达到（件）",
            type="int",
            default=1,
            min=1,
            max=10000,
            source=CARD_RULES,
        ),
        SettingSpec(
            key="cards.red.repeated_yellow_months",
            label="红牌：连续被亮黄牌的月数达到",
            type="int",
            default=2,
            min=2,
            max=12,
            unit="月",
            source=CARD_RULES,
        ),
        *[
            SettingSpec(
                key=f"indicators.{key}",
                label=label,
                type="int",
                default=default,
                min=0,
                max=maximum,
                source=source,
            )
            for key, label, default, maximum, source in INDICATOR_TARGETS
        ],
    ]
}


@dataclass(frozen=True)
class CurrentSetting:
    """A local rule as it stands: the declared spec and the version in force (or the default)."""

    spec: SettingSpec
    value: Any
    source: str
    version: int  # 0: the declared default, never changed
    valid_from: dt.datetime | None
    set_by: User | None
    note: str
    scheduled: DistrictSetting | None  # a later version that has not taken effect yet

    @property
    def is_default(self) -> bool:
        return self.version == 0


def get_spec(key: str) -> SettingSpec:
    """The declared spec; an unknown key raises KeyError."""
    return SPECS[key]


def get_setting(key: str, *, at: dt.datetime | None = None) -> Any:
    """The value of `key` in force at `at` (default now), else its declared default.

    One indexed query. An unknown key raises KeyError: a typo must fail loudly, not default.
    """
    spec = SPECS[key]
    value = (
        DistrictSetting.objects.in_force(at).filter(key=key).values_list("value", flat=True).first()
    )
    return spec.default if value is None else value


def current_settings(*, at: dt.datetime | None = None, user=None) -> list[CurrentSetting]:
    """Every declared rule with the value in force, its source, and who set it when.

    With `user`, versions are read through the visibility rule (pages and the API pass it).
    """
    at = at or timezone.now()
    rows = DistrictSetting.objects.visible_to(user) if user is not None else DistrictSetting.objects
    rows = (
        rows.filter(key__in=SPECS)
        .select_related("set_by__department", "set_by__town")
        .order_by("key", "-valid_from", "-version")
    )
    in_force: dict[str, DistrictSetting] = {}
    scheduled: dict[str, DistrictSetting] = {}
    for row in rows:
        if row.valid_from <= at:
            in_force.setdefault(row.key, row)
        else:
            scheduled[row.key] = row  # rows come latest first: the last seen is the soonest
    result = []
    for key, spec in SPECS.items():
        row = in_force.get(key)
        result.append(
            CurrentSetting(
                spec=spec,
                value=row.value if row else spec.default,
                source=row.source if row else spec.source,
                version=row.version if row else 0,
                valid_from=row.valid_from if row else None,
                set_by=row.set_by if row else None,
                note=row.note if row else "",
                scheduled=scheduled.get(key),
            )
        )
    return result


def history_by_key(*, user) -> dict[str, list[DistrictSetting]]:
    """Every stored version `user` may read, by key, newest first (defaults are not stored)."""
    history: dict[str, list[DistrictSetting]] = {key: [] for key in SPECS}
    rows = (
        DistrictSetting.objects.visible_to(user)
        .filter(key__in=SPECS)
        .select_related("set_by__department", "set_by__town")
        .order_by("key", "-version")
    )
    for row in rows:
        history[row.key].append(row)
    return history
