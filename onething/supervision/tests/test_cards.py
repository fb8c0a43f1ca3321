"""Red and yellow cards: each rule fires exactly at its threshold on a hand-built month, late is
judged by each case's own clock, the preview writes nothing, the monthly run is idempotent, and a
unit reads and answers only its own cards."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from onething.core.errors import NotAllowed, NotFound, ServiceError
from onething.core.models import AuditEntry, Department, InboxMessage
from onething.evaluation.models import NegativeHandling, Rating
from onething.supervision import cards
from onething.supervision.models import Card, CardRun

from .card_factories import (
    AFTER_OCTOBER,
    NOVEMBER,
    OCTOBER,
    SEPTEMBER,
    make_case,
    make_negative,
    set_threshold,
    template_case,
    town_region,
)

pytestmark = pytest.mark.usefixtures("district")


@pytest.fixture
def template(users):
    return template_case(users)


def fired(month=OCTOBER, today=AFTER_OCTOBER):
    return {(c.unit.name, c.rule.code): c for c in cards.preview(month, today=today)}


def late_for_promised(template, n, *, department="SCJG", town=""):
    """`n` cases accepted on 10-12 with 3 working days promised (due 10-15), decided 10-16."""
    return [
        make_case(template, department=department, town=town, accepted_on=dt.date(2026, 10, 12),
                  decided_on=dt.date(2026, 10, 16))
        for _ in range(n)
    ]  # fmt: skip


# --- Each rule at its threshold ----------------------------------------------------------------


def test_yellow_for_cases_past_promised_fires_exactly_at_its_threshold(template):
    set_threshold("cards.yellow.cases_past_promised", 3)
    late_for_promised(template, 2)
    assert ("区市场监管局", "cases_past_promised") not in fired()
    third = late_for_promised(template, 1)[0]
    card = fired()[("区市场监管局", "cases_past_promised")]
    assert card.rule.color == "yellow" and (card.count, card.threshold) == (3, 3)
    evidence = {row["ref"]: row for row in card.evidence}
    assert evidence[third.number] == {
        "ref": third.number,
        "id": third.pk,
        "what": third.handling_item.name,
        "due": "2026-10-15",
        "done_on": "2026-10-16",
        "late_days": 1,
        "late_working_days": 1,
    }


def test_red_for_cases_past_statutory_fires_exactly_at_its_threshold(template):
    set_threshold("cards.red.cases_past_statutory", 2)
    # Statutory 5 working days from 10-12: due 10-19; still undecided on 10-31.
    kwargs = {"department": "GA", "accepted_on": dt.date(2026, 10, 12), "promised": 3}
    make_case(template, statutory=5, **kwargs)
    assert ("区公安分局", "cases_past_statutory") not in fired()
    make_case(template, statutory=5, **kwargs)
    card = fired()[("区公安分局", "cases_past_statutory")]
    assert card.rule.color == "red" and card.count == 2
    assert {row["due"] for row in card.evidence} == {"2026-10-19"}
    assert {row["done_on"] for row in card.evidence} == {None}
    # Open until the month's end: 10-19 → 10-31 is 12 days, 9 working days.
    assert {(row["late_days"], row["late_working_days"]) for row in card.evidence} == {(12, 9)}
    # Past the statutory limit is past the promised one too.
    assert fired()[("区公安分局", "cases_past_promised")].count == 2


def test_yellow_for_negative_ratings_past_verification_fires_exactly_at_its_threshold(template):
    set_threshold("cards.yellow.negative_past_verify", 2)
    # Opened Monday 10-12, 1 working day to verify: due 10-13.
    make_negative(
        department="WJ", opened_on=dt.date(2026, 10, 12), verified_on=dt.date(2026, 10, 15)
    )
    make_negative(
        department="WJ", opened_on=dt.date(2026, 10, 12), verified_on=dt.date(2026, 10, 13)
    )
    assert ("区卫健局", "negative_past_verify") not in fired()
    late = make_negative(department="WJ", opened_on=dt.date(2026, 10, 20))  # never verified
    card = fired()[("区卫健局", "negative_past_verify")]
    assert card.count == 2 and card.rule.color == "yellow"
    refs = {row["ref"]: row for row in card.evidence}
    assert refs[f"差评 #{late.rating_id}"]["due"] == "2026-10-21"
    assert refs[f"差评 #{late.rating_id}"]["what"] == "不满意"


def test_voided_or_timely_appealed_negative_ratings_do_not_count(template):
    make_negative(
        department="WJ",
        opened_on=dt.date(2026, 10, 12),
        rating_status=Rating.Status.VOIDED,
        state=NegativeHandling.State.VOIDED,
    )
    make_negative(
        department="WJ",
        opened_on=dt.date(2026, 10, 12),
        appealed_on=dt.date(2026, 10, 13),
        state=NegativeHandling.State.APPEALED,
    )
    assert ("区卫健局", "negative_past_verify") not in fired()
    # Appealed only after the deadline had passed: it was already late.
    make_negative(
        department="WJ",
        opened_on=dt.date(2026, 10, 12),
        appealed_on=dt.date(2026, 10, 16),
        state=NegativeHandling.State.APPEALED,
    )
    assert fired()[("区卫健局", "negative_past_verify")].count == 1  # fmt: skip


def test_repeated_yellow_cards_give_a_red_card_at_the_threshold_of_consecutive_months(template):
    set_threshold("cards.red.repeated_yellow_months", 3)
    for month_day in (dt.date(2026, 8, 10), dt.date(2026, 9, 14), dt.date(2026, 10, 12)):
        make_case(template, department="SCJG", accepted_on=month_day)  # undecided: late
    cards.issue_month(dt.date(2026, 8, 1), today=AFTER_OCTOBER)
    assert ("区市场监管局", "repeated_yellow") not in fired(SEPTEMBER)
    cards.issue_month(SEPTEMBER, today=AFTER_OCTOBER)
    red = fired(OCTOBER)[("区市场监管局", "repeated_yellow")]
    assert red.rule.color == "red" and (red.count, red.threshold) == (3, 3)
    assert [row["month"] for row in red.evidence] == ["2026-08", "2026-09", "2026-10"]
    assert red.evidence[-1]["rules"] == ["办件超过承诺时限"]


def test_repeated_yellow_needs_consecutive_issued_months(template):
    # Default: yellow in 2 consecutive months gives a red card.
    make_case(template, department="SCJG", accepted_on=dt.date(2026, 8, 10))
    make_case(template, department="SCJG", accepted_on=dt.date(2026, 10, 12))
    cards.issue_month(dt.date(2026, 8, 1), today=AFTER_OCTOBER)
    cards.issue_month(SEPTEMBER, today=AFTER_OCTOBER)  # nothing late in September
    assert ("区市场监管局", "cases_past_promised") in fired()
    assert ("区市场监管局", "repeated_yellow") not in fired()


# --- Lateness from the case's own clock -------------------------------------------------------


def test_decided_on_the_due_day_or_withdrawn_in_time_is_not_late(template):
    accepted = dt.date(2026, 10, 12)  # promised due 10-15
    make_case(template, department="SCJG", accepted_on=accepted, decided_on=dt.date(2026, 10, 15))
    make_case(template, department="SCJG", accepted_on=accepted, withdrawn_on=dt.date(2026, 10, 14))
    assert ("区市场监管局", "cases_past_promised") not in fired()
    make_case(template, department="SCJG", accepted_on=accepted, withdrawn_on=dt.date(2026, 10, 20))
    assert fired()[("区市场监管局", "cases_past_promised")].count == 1


def test_holidays_and_special_procedures_move_the_limit(template):
    # Accepted 09-29 with 3 working days: 09-30, then National Day, 10-08, 10-09 → due 10-09.
    on_time = make_case(template, department="SCJG", accepted_on=dt.date(2026, 9, 29),
                        decided_on=dt.date(2026, 10, 9))  # fmt: skip
    # Due 10-15 without the pause; an expert review 10-13…10-16 (3 working days) moves it to
    # 10-20, so a decision on 10-19 is in time.
    paused = make_case(
        template, department="SCJG", accepted_on=dt.date(2026, 10, 12),
        decided_on=dt.date(2026, 10, 19),
        pauses=[{"kind": "expert", "start": "2026-10-13", "end": "2026-10-16"}],
    )  # fmt: skip
    assert ("区市场监管局", "cases_past_promised") not in fired()
    assert on_time.pk and paused.pk


def test_a_late_case_counts_once_in_the_month_it_became_late(template):
    # Accepted 10-27, 3 working days: due 10-30; first late day 10-31 → October.
    make_case(template, department="SCJG", accepted_on=dt.date(2026, 10, 27))
    assert fired()[("区市场监管局", "cases_past_promised")].count == 1
    assert ("区市场监管局", "cases_past_promised") not in fired(NOVEMBER, dt.date(2026, 11, 20))


def test_towns_get_cards_too(template):
    late_for_promised(template, 1, department="", town="高塘岭街道")
    card = fired()[("高塘岭街道", "cases_past_promised")]
    assert card.unit.kind == "town" and card.unit.pk == town_region("高塘岭街道").pk


def test_the_current_month_counts_up_to_today(template):
    make_case(template, department="SCJG", accepted_on=dt.date(2026, 10, 12))  # due 10-15
    assert ("区市场监管局", "cases_past_promised") not in fired(OCTOBER, dt.date(2026, 10, 15))
    card = fired(OCTOBER, dt.date(2026, 10, 16))[("区市场监管局", "cases_past_promised")]
    assert card.evidence[0]["late_days"] == 1
    with pytest.raises(ServiceError):
        cards.preview(NOVEMBER, today=dt.date(2026, 10, 16))


def test_thresholds_in_force_at_the_month_end_apply(template):
    late_for_promised(template, 1)
    set_threshold("cards.yellow.cases_past_promised", 5, since=dt.date(2026, 11, 5))
    assert ("区市场监管局", "cases_past_promised") in fired()  # October: still 1


# --- Preview and the monthly run ---------------------------------------------------------------


def counts():
    return Card.objects.count(), CardRun.objects.count(), AuditEntry.objects.count()


def test_preview_writes_nothing(template):
    late_for_promised(template, 2)
    before = counts()
    assert cards.preview(OCTOBER, today=AFTER_OCTOBER)
    assert counts() == before


def test_issuing_twice_does_not_duplicate(template, users):
    late_for_promised(template, 2)
    make_case(template, department="GA", accepted_on=dt.date(2026, 10, 12), statutory=5)
    first = cards.issue_month(OCTOBER, actor=users["supervisor"], today=AFTER_OCTOBER)
    assert len(first.created) == 3 and first.existing == 0
    issued = {(c.unit_name, c.rule_code, c.color, c.count) for c in Card.objects.all()}
    assert issued == {
        ("区市场监管局", "cases_past_promised", "yellow", 2),
        ("区公安分局", "cases_past_promised", "yellow", 1),
        ("区公安分局", "cases_past_statutory", "red", 1),
    }
    second = cards.issue_month(OCTOBER, actor=users["supervisor"], today=AFTER_OCTOBER)
    assert second.created == [] and second.existing == 3
    assert Card.objects.count() == 3 and CardRun.objects.count() == 2
    assert AuditEntry.objects.filter(action="supervision.card.issue").count() == 3
    card = Card.objects.get(rule_code="cases_past_statutory")
    assert card.issued_by == users["supervisor"] and card.evidence[0]["due"] == "2026-10-19"


def test_only_the_bureau_issues_and_only_after_the_month(template, users):
    with pytest.raises(NotAllowed):
        cards.issue_month(OCTOBER, actor=users["dept-admin"], today=AFTER_OCTOBER)
    with pytest.raises(ServiceError, match="尚未结束"):
        cards.issue_month(OCTOBER, actor=users["supervisor"], today=dt.date(2026, 10, 31))


def test_issuing_tells_the_unit(template, users):
    late_for_promised(template, 1)
    cards.issue_month(OCTOBER, today=AFTER_OCTOBER)
    message = InboxMessage.objects.get(user=users["dept-admin"])
    assert "2026年10月红黄牌" in message.title and message.link == "/supervision/cards/mine/"


def test_issue_cards_command(template, capsys):
    late_for_promised(template, 1)
    call_command("issue_cards", "--month", "2026-10", "--today", "2026-11-20")
    call_command("issue_cards", "--month", "2026-10", "--today", "2026-11-20")
    out = capsys.readouterr().out
    assert "新签发 1 张" in out and "已存在 1 张" in out
    assert Card.objects.get().issued_by is None


# --- The unit reads and answers -----------------------------------------------------------------


def test_a_unit_sees_only_its_cards_and_answers_them(template, users):
    late_for_promised(template, 1)
    late_for_promised(template, 1, department="GA")
    cards.issue_month(OCTOBER, today=AFTER_OCTOBER)
    own = Card.objects.get(department__code="SCJG")
    other = Card.objects.get(department__code="GA")
    assert list(Card.objects.visible_to(users["reviewer"])) == [own]
    assert list(Card.objects.visible_to(users["town-clerk"])) == []
    assert Card.objects.visible_to(users["supervisor"]).count() == 2
    assert Card.objects.visible_to(users["citizen"]).count() == 0
    assert Card.objects.visible_to(users["admin"]).count() == 0

    answered = cards.respond_to_card(card_id=own.pk, actor=users["dept-admin"], text=" 已整改。 ")
    assert answered.response == "已整改。" and answered.responded_by == users["dept-admin"]
    entry = AuditEntry.objects.get(action="supervision.card.respond")
    assert entry.before["response"] == "" and entry.after["response"] == "已整改。"
    with pytest.raises(NotFound):
        cards.respond_to_card(card_id=other.pk, actor=users["dept-admin"], text="越权回复")
    with pytest.raises(NotAllowed):
        cards.respond_to_card(card_id=own.pk, actor=users["supervisor"], text="代为回复")
    with pytest.raises(ServiceError) as empty:
        cards.respond_to_card(card_id=own.pk, actor=users["reviewer"], text="   ")
    assert empty.value.fields == {"response": "不能为空"}
    assert Department.objects.get(code="SCJG").name == own.unit_name


def test_issue_cards_command_previews_and_runs_months_in_order(template, capsys):
    make_case(template, department="SCJG", accepted_on=dt.date(2026, 9, 14))  # late in Sep.
    make_case(template, department="SCJG", accepted_on=dt.date(2026, 10, 12))  # and in Oct.
    call_command("issue_cards", "--month", "2026-10", "--preview", "--today", "2026-11-20")
    assert "区市场监管局 办件超过承诺时限（黄牌）：1" in capsys.readouterr().out
    assert Card.objects.count() == 0
    call_command(
        "issue_cards", "--month", "2026-09", "--through", "2026-10", "--today", "2026-11-20"
    )
    out = capsys.readouterr().out
    assert "2026年9月：新签发 1 张" in out and "2026年10月：新签发 3 张" in out
    # October: the new late case (yellow), the September case now past its statutory limit
    # (red), and yellow in two consecutive months (red).
    assert set(Card.objects.filter(month=OCTOBER).values_list("rule_code", flat=True)) == {
        "cases_past_promised", "cases_past_statutory", "repeated_yellow",
    }  # fmt: skip
    with pytest.raises(CommandError, match="格式应为"):
        call_command("issue_cards", "--month", "October")
