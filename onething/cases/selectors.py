"""Queries over cases that pages and the API share: the workbench queue in order of urgency,
with warnings filtered in the database from the `due_on` sort key."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from onething.cases import clock
from onething.cases.models import Application, Case
from onething.cases.services import warning_bounds
from onething.cases.workflow import TERMINAL, State
from onething.core.access import unit_q

WARNINGS = {
    clock.RED: "已超期",
    clock.YELLOW: "即将到期",
    clock.GREEN: "正常",
    clock.PAUSED: "计时暂停",
    clock.DONE: "已办结",
}
PAUSED_STATES = (State.CORRECTION, State.SUSPENDED)
RUNNING_STATES = tuple(s for s in State.values if s not in TERMINAL and s not in PAUSED_STATES)


def with_warning(cases: QuerySet, warning: str, today=None) -> QuerySet:
    """`cases` whose warning level is `warning` (see clock.Deadlines.warning)."""
    yellow_until, today = warning_bounds(today)
    running = Q(state__in=RUNNING_STATES)  # a positive list can use the (state, due_on) index
    if warning == clock.RED:
        return cases.filter(running, due_on__lt=today)
    if warning == clock.YELLOW:
        return cases.filter(running, due_on__gte=today, due_on__lte=yellow_until)
    if warning == clock.GREEN:
        return cases.filter(running, due_on__gt=yellow_until)
    if warning == clock.PAUSED:
        return cases.filter(state__in=PAUSED_STATES)
    if warning == clock.DONE:
        return cases.filter(state__in=TERMINAL)
    return cases


def search(cases: QuerySet, q: str) -> QuerySet:
    """A case or application number, or an applicant's full ID number or credit code."""
    q = (q or "").strip().upper()
    if not q:
        return cases
    # A subquery rather than an OR across the join, so each side uses its own index.
    applications = Application.objects.filter(Q(number=q) | Q(applicant_code=q)).values("pk")
    return cases.filter(Q(number=q) | Q(application__in=applications))


def queue(
    user, *, state: str = "", warning: str = "", department: str = "", q: str = "",
    include_done: bool = False,
) -> QuerySet:  # fmt: skip
    """The cases `user` may see, most urgent first: overdue, then due soonest; paused and
    concluded last."""
    cases = Case.objects.visible_to(user)
    # The workbench is the unit's queue. Naming the unit lets the database walk the unit's
    # (department|town, due_on, id) index; cases a clerk submitted for another unit are followed
    # from the application instead (benchmarks/RESULTS.md, "cases": 715 ms → tens of ms for a
    # small unit at 1,000,000 cases).
    if (unit := unit_q(user)) is not None:
        cases = cases.filter(unit)
    if state:
        cases = cases.filter(state=state)
    elif not include_done and not warning and not q:  # a search finds concluded cases too
        cases = cases.exclude(state__in=TERMINAL)
    if department:
        cases = cases.filter(department__code=department)
    if warning:
        cases = with_warning(cases, warning)
    cases = search(cases, q)
    return cases.select_related("application", "handling_item", "department", "town").order_by(
        F("due_on").asc(nulls_last=True), "id"
    )


def my_applications(user) -> QuerySet:
    return (
        Application.objects.visible_to(user)
        .select_related("bundle")
        .order_by("-submitted_at", "-id")
    )
