"""Hand-built months for the card and dashboard tests: cases with a clock set to known dates,
negative ratings with a known verification deadline, thresholds in force from a known day.

October 2026 (the official calendar): 10-01…07 National Day, Saturday 10-10 worked.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from onething.cases.models import Case
from onething.cases.tests.factories import RECHECK, only_case, submit
from onething.catalog.models import ServiceItem
from onething.core.models import Department, DistrictSetting, Region
from onething.evaluation.models import Channel, Level, NegativeHandling, Rating

OCTOBER = dt.date(2026, 10, 1)
SEPTEMBER = dt.date(2026, 9, 1)
NOVEMBER = dt.date(2026, 11, 1)
AFTER_OCTOBER = dt.date(2026, 11, 20)  # "today" for runs over October
_numbers = itertools.count(1)


def template_case(users) -> Case:
    """One real case (submitted through the service); the others are copies with new clocks."""
    return only_case(submit(users["enterprise"], code=RECHECK))


def make_case(
    template: Case,
    *,
    department: str = "",
    town: str = "",
    accepted_on: dt.date,
    promised: int = 3,
    statutory: int = 20,
    decided_on: dt.date | None = None,
    state: str = "",
    pauses: list | None = None,
    withdrawn_on: dt.date | None = None,
    submitted_on: dt.date | None = None,
) -> Case:
    case = Case.objects.get(pk=template.pk)
    case.pk = None
    case.number = f"TC{next(_numbers):06d}"
    case.department = Department.objects.get(code=department) if department else None
    case.town = town_region(town) if town else None
    if town:  # a town handles its own items (cases/services._route)
        case.item = ServiceItem.objects.filter(region=case.town, level=5).order_by("id").first()
        case.handling_item = case.item.handling_items.order_by("id").first()
        case.item_version = case.item.versions.order_by("-number").first()
    case.received_on = accepted_on
    case.accepted_on = accepted_on
    case.submitted_at = _at(submitted_on or accepted_on)
    case.statutory_days, case.statutory_unit = statutory, "working_day"
    case.promised_days, case.promised_unit = promised, "working_day"
    case.decided_on = decided_on
    case.pauses = pauses or []
    case.concluded_at = _at(withdrawn_on) if withdrawn_on else None
    if state:
        case.state = state
    elif withdrawn_on:
        case.state = "withdrawn"
    else:
        case.state = "concluded" if decided_on else "under_review"
    if decided_on:
        case.decision = Case.Decision.APPROVED
        case.concluded_at = _at(decided_on)
    case.save()
    return case


def town_region(name: str) -> Region:
    return Region.objects.get(level=Region.Level.TOWN, name=name, valid_to__isnull=True)


def make_negative(
    *,
    department: str = "",
    town: str = "",
    opened_on: dt.date,
    verified_on: dt.date | None = None,
    state: str = NegativeHandling.State.VERIFYING,
    appealed_on: dt.date | None = None,
    rating_status: str = Rating.Status.VALID,
) -> NegativeHandling:
    rating = Rating.objects.create(
        subject=Rating.Subject.HALL,
        service_ref=f"HALL-{next(_numbers)}",
        department=Department.objects.get(code=department) if department else None,
        town=town_region(town) if town else None,
        region_code="430112000000",
        channel=Channel.HALL_TABLET,
        level=Level.DISSATISFIED,
        status=rating_status,
        created_at=_at(opened_on),
    )
    if verified_on and state == NegativeHandling.State.VERIFYING:
        state = NegativeHandling.State.RECTIFYING
    return NegativeHandling.objects.create(
        rating=rating,
        state=state,
        opened_on=opened_on,
        verify_days=1,
        rectify_days=10,
        verified_at=_at(verified_on) if verified_on else None,
        appealed_at=_at(appealed_on) if appealed_on else None,
    )


def set_threshold(key: str, value: int, *, since: dt.date = dt.date(2026, 1, 1)) -> None:
    """A threshold in force from `since` (written directly: the service refuses past dates)."""
    latest = DistrictSetting.objects.filter(key=key).order_by("-version").first()
    DistrictSetting.objects.create(
        key=key,
        version=(latest.version if latest else 0) + 1,
        value=value,
        source="测试依据",
        valid_from=_at(since),
    )


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
