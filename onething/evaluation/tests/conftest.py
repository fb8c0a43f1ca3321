"""Fixtures for the rating and hotline tests: concluded and refused cases of the demo district,
negative ratings at known dates, and tickets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from onething.cases.tests.factories import ANNUAL_REPORT, RECHECK, act, only_case, submit
from onething.cases.workflow import State
from onething.evaluation.services import hotline, ratings

D = dt.date


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """A moment of `day` in the district's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


# 2026-09-30, a Wednesday before the National Day holiday (10-01…07; Saturday 10-10 worked).
RATED_ON = D(2026, 9, 30)


@pytest.fixture
def concluded(users):
    """The citizen's 个体工商户年度报告 (an on-the-spot item of 区市场监管局), accepted by the
    reviewer and so approved and delivered electronically at once: concluded."""
    case = only_case(submit(users["citizen"], code=ANNUAL_REPORT))
    case = act(case, "accept", users["reviewer"], timezone.localdate())
    assert case.state == State.CONCLUDED
    return case


@pytest.fixture
def refused(users):
    case = only_case(submit(users["citizen"], code=RECHECK))
    case = act(
        case, "refuse", users["reviewer"], timezone.localdate(),
        reasons="不属于复检范围", remedies="",
    )  # fmt: skip
    assert case.state == State.REFUSED
    return case


@pytest.fixture
def running(users):
    """A submitted case, not yet decided."""
    return only_case(submit(users["citizen"], code=RECHECK))


def negative(case, user, *, now=None, anonymous=False, level=2, channel="web"):
    return ratings.rate_case(
        user, case, level=level, channel=channel, reasons=["attitude"],
        text="窗口人员态度生硬", anonymous=anonymous, now=now or at(RATED_ON),
    )  # fmt: skip


@pytest.fixture
def handling(concluded, users):
    """A real-name negative rating of the concluded case, made on 2026-09-30."""
    return negative(concluded, users["citizen"]).handling


def ticket(users, *, category="consultation", department="SCJG", now=None, **extra):
    return hotline.intake_ticket(
        actor=users["supervisor"], channel="phone", caller_name="王小明",
        caller_phone="13907310001", category=category, text="咨询个体户年报怎么填",
        department=department, now=now or at(RATED_ON), **extra,
    )  # fmt: skip
