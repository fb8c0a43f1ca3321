"""Guidance (智能导办): from a bundle's questionnaire answers to the applicable items, the merged
materials, the time and the places. Pure: imports nothing from Django.

The server decides; a browser or an app only asks for the next question. Answers to questions
that are not shown (their `show_if` is not true) are ignored, so changing an early answer can
never leave a stale later answer in force.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from onething.rules import evaluate, missing
from onething.rules.facts import Fact, FactCatalog, catalog

KIND_TYPES = {
    "yesno": "boolean", "single": "text", "multiple": "set", "number": "number",
    "date": "date", "region": "text",
}  # fmt: skip
UNIT_WORDS = {"calendar_day": "个自然日", "hour": "小时"}
KIND_LABELS = {
    "yesno": "是/否", "single": "单选", "multiple": "多选", "number": "数字", "date": "日期",
    "region": "行政区划",
}  # fmt: skip


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: str
    help: str = ""
    options: tuple[tuple[str, str], ...] = ()
    unit: str = ""
    show_if: dict | None = None


@dataclass(frozen=True)
class MaterialNeed:
    """One material of a member handling item, and when the bundle needs it."""

    name: str
    required: bool
    replaceable_by: str = ""
    applies_if: dict | None = None


@dataclass(frozen=True)
class Member:
    """A handling item the bundle joins, with what the result page shows of it."""

    code: str
    name: str
    item_code: str
    item_name: str
    unit: str
    promised_days: int
    promised_unit: str
    online_depth: int
    place: str
    fees: tuple[str, ...] = ()
    materials: tuple[MaterialNeed, ...] = ()
    applies_if: dict | None = None


@dataclass(frozen=True)
class Definition:
    questions: tuple[Question, ...]
    members: tuple[Member, ...]

    def catalog(self) -> FactCatalog:
        return answer_catalog(self.questions)


def answer_catalog(questions) -> FactCatalog:
    """The facts a bundle's rules may use: its questions' keys, typed by question kind, with
    option labels so explanations and previews read 已遗失 rather than `lost`."""
    return catalog(
        "answers",
        "导办问卷",
        [
            Fact(
                name=q.key,
                label=q.text,
                type=KIND_TYPES[q.kind],
                unit=q.unit,
                values=tuple(value for value, _ in q.options),
                value_labels=dict(q.options),
            )
            for q in questions
        ],
    )


@dataclass
class MergedMaterial:
    """A material needed once however many items need it. `replaceable_by` says whether an
    e-license or shared data can stand in for it; `supplied` whether it did for this applicant."""

    name: str
    needed_by: list[str] = field(default_factory=list)
    replaceable_by: str = ""
    supplied: bool = False


@dataclass
class Result:
    complete: bool
    answers: dict
    next_questions: list[Question]
    items: list[Member]
    undecided: list[Member]
    materials: list[MergedMaterial]
    exempt: list[MergedMaterial]
    longest_working_days: int
    other_limits: list[str]
    expected_date: dt.date | None
    all_online: bool


def shown(definition: Definition, answers: dict) -> tuple[list[Question], dict]:
    """The questions whose `show_if` holds given earlier answers, and the answers that count."""
    catalog, counted, visible = definition.catalog(), {}, []
    for question in definition.questions:
        if question.show_if is None or evaluate(question.show_if, counted, catalog) is True:
            visible.append(question)
            if question.key in answers:
                counted[question.key] = answers[question.key]
    return visible, counted


def _relevant(definition: Definition, counted: dict, catalog: FactCatalog) -> set[str]:
    """Facts whose answer could still change which items or materials apply."""
    rules = [m.applies_if for m in definition.members if m.applies_if]
    for member in definition.members:
        if member.applies_if is None or evaluate(member.applies_if, counted, catalog) is not False:
            rules += [need.applies_if for need in member.materials if need.applies_if]
    relevant: set[str] = set()
    for rule in rules:
        relevant.update(missing(rule, counted, catalog))
    # A question that matters but is hidden makes the questions it depends on matter too.
    by_key = {q.key: q for q in definition.questions}
    changed = True
    while changed:
        changed = False
        for key in list(relevant):
            condition = by_key[key].show_if if key in by_key else None
            if condition:
                more = set(missing(condition, counted, catalog)) - relevant
                if more:
                    relevant |= more
                    changed = True
    return relevant


def guide(
    definition: Definition,
    answers: dict,
    *,
    today: dt.date,
    add_working_days: Callable[[dt.date, int], dt.date],
    supplied: Callable[[MaterialNeed], bool] = lambda need: False,
) -> Result:
    """The guidance for `answers`. `supplied(need)` says whether a base registry or an e-license
    supplies a material for this applicant (it is then listed as exempt, not to bring)."""
    catalog = definition.catalog()
    visible, counted = shown(definition, answers)
    relevant = _relevant(definition, counted, catalog)
    next_questions = [q for q in visible if q.key not in counted and q.key in relevant]
    items, undecided = [], []
    for member in definition.members:
        decided = (
            True if member.applies_if is None else evaluate(member.applies_if, counted, catalog)
        )
        (items if decided is True else undecided if decided is None else []).append(member)
    merged: dict[str, MergedMaterial] = {}
    for member in items:
        for need in member.materials:
            if need.applies_if is None:
                wanted = need.required
            else:
                wanted = evaluate(need.applies_if, counted, catalog)
            if wanted is not True:
                continue
            entry = merged.setdefault(need.name, MergedMaterial(need.name))
            entry.needed_by.append(member.name)
            entry.replaceable_by = entry.replaceable_by or need.replaceable_by
            entry.supplied = entry.supplied or (bool(need.replaceable_by) and supplied(need))
    exempt = [m for m in merged.values() if m.supplied]
    bring = [m for m in merged.values() if not m.supplied]
    working = [m.promised_days for m in items if m.promised_unit == "working_day"]
    longest = max(working, default=0)
    others = sorted(
        f"{m.name}：{m.promised_days}{UNIT_WORDS.get(m.promised_unit, '')}"
        for m in items
        if m.promised_unit != "working_day" and m.promised_days
    )
    return Result(
        complete=not next_questions and not undecided,
        answers=counted,
        next_questions=next_questions,
        items=items,
        undecided=undecided,
        materials=bring,
        exempt=exempt,
        longest_working_days=longest,
        other_limits=others,
        expected_date=add_working_days(today, longest) if items else None,
        all_online=bool(items) and all(m.online_depth >= 4 for m in items),
    )


EMPTY_ANSWER = {
    "yesno": "请选择“是”或“否”", "single": "请选择一项", "number": "请填写数字",
    "date": "请填写日期", "region": "请选择所在地",
}  # fmt: skip


class AnswerInvalid(ValueError):
    """An answer that does not fit its question; the message is the Chinese text to show."""


def parse_answer(question: Question, raw: list[str]):
    """The typed answer from form or query values (a list, for multiple choice)."""
    values = [v.strip() for v in raw if v is not None and v.strip()]
    allowed = {value for value, _ in question.options}
    if question.kind == "multiple":
        if any(v not in allowed for v in values):
            raise AnswerInvalid("请从列出的选项中选择")
        return sorted(set(values))
    if not values:
        raise AnswerInvalid(EMPTY_ANSWER.get(question.kind, "请回答这个问题"))
    value = values[0]
    if question.kind == "yesno":
        if value not in ("yes", "no"):
            raise AnswerInvalid("请选择“是”或“否”")
        return value == "yes"
    if question.kind == "single":
        if value not in allowed:
            raise AnswerInvalid("请从列出的选项中选择")
        return value
    if question.kind == "number":
        try:
            number = float(value)
        except ValueError:
            raise AnswerInvalid("请填写数字，如 120") from None
        if not math.isfinite(number):
            raise AnswerInvalid("请填写数字，如 120")
        if number < 0:
            raise AnswerInvalid("不能是负数")
        return int(number) if number.is_integer() else number
    if question.kind == "date":
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise AnswerInvalid("请按“年-月-日”填写日期，如 2026-11-28") from None
    return value  # region: a region code, checked by the caller against the region table


def answer_to_query(question: Question, value) -> list[str]:
    """The inverse of parse_answer: the values a form or a shared link carries."""
    if question.kind == "yesno":
        return ["yes" if value else "no"]
    if question.kind == "multiple":
        return list(value)
    return [str(value)]


def answer_label(question: Question, value) -> str:
    labels = dict(question.options)
    if question.kind == "yesno":
        return "是" if value else "否"
    if question.kind == "multiple":
        return "、".join(labels.get(v, v) for v in value) or "都没有"
    if question.kind == "single":
        return labels.get(value, value)
    return f"{value}{question.unit}"
