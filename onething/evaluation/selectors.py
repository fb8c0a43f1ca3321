"""Reading ratings, negative handlings and tickets: their deadlines and warnings as of today,
and the lists of the workbenches ordered by urgency. Every query starts from `visible_to`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from onething.core.models import Department, Region
from onething.core.services import load_calendar

from . import deadlines
from .models import NEGATIVE_LEVELS, NegativeHandling, Rating, Ticket
from .services.common import SettingsAt, yellow_days
from .services.hotline import REPLY_SETTINGS, SIGN_SETTING

WARNINGS = {
    deadlines.RED: "已超期",
    deadlines.YELLOW: "即将到期",
    deadlines.GREEN: "正常",
    deadlines.PAUSED: "计时暂停",
    deadlines.DONE: "已办结",
}
_URGENCY = {deadlines.RED: 0, deadlines.YELLOW: 1, deadlines.GREEN: 2, deadlines.PAUSED: 3}
_FAR = dt.date.max


def _localdate(value: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(value) if value is not None else None


@dataclass
class Status:
    deadlines: object  # HandlingDeadlines or TicketDeadlines
    warning: str

    @property
    def warning_label(self) -> str:
        return WARNINGS[self.warning]

    @property
    def sort_key(self) -> tuple:
        return (_URGENCY.get(self.warning, 4), self.deadlines.step_due or _FAR)


class Reader:
    """What reading deadlines needs, loaded once per request: the calendar, today, the
    yellow threshold and the hotline settings' history."""

    def __init__(self, today: dt.date | None = None):
        self.calendar = load_calendar()
        self.today = today or timezone.localdate()
        self.yellow = yellow_days()
        self._settings: SettingsAt | None = None

    def handling(self, handling: NegativeHandling) -> Status:
        found = deadlines.handling_deadlines(
            deadlines.HandlingClock(
                state=handling.state,
                opened_on=handling.opened_on,
                verify_days=handling.verify_days,
                rectify_days=handling.rectify_days,
                verified_on=_localdate(handling.verified_at),
                rectified_on=_localdate(handling.rectified_at),
                real_name=handling.rating.real_name,
                followed_up=handling.followed_up_at is not None,
            ),
            self.calendar,
        )
        return Status(found, found.warning(self.calendar, self.today, self.yellow))

    def ticket_limits(self, ticket: Ticket) -> tuple[int, int]:
        """(sign-for days, reply days) in force when the ticket was last dispatched."""
        if self._settings is None:
            self._settings = SettingsAt([SIGN_SETTING, *REPLY_SETTINGS.values()])
        at = ticket.dispatched_at
        return (
            int(self._settings.get(SIGN_SETTING, at)),
            int(self._settings.get(REPLY_SETTINGS[ticket.category], at)),
        )

    def ticket(self, ticket: Ticket) -> Status:
        sign_days, reply_days = self.ticket_limits(ticket)
        found = deadlines.ticket_deadlines(
            deadlines.TicketClock(
                state=ticket.state,
                dispatched_on=_localdate(ticket.dispatched_at),
                sign_days=sign_days,
                reply_days=reply_days,
                signed_on=_localdate(ticket.signed_at),
                replied_on=_localdate(ticket.replied_at),
            ),
            self.calendar,
        )
        return Status(found, found.warning(self.calendar, self.today, self.yellow))


# --- Negative handlings ------------------------------------------------------------------------

OPEN_HANDLING = (
    NegativeHandling.State.VERIFYING,
    NegativeHandling.State.RECTIFYING,
    NegativeHandling.State.FOLLOW_UP,
    NegativeHandling.State.APPEALED,
)


def handling_queue(user, *, include_done: bool = False, warning: str = "", limit: int = 2000):
    """(handling, status) of the handlings `user` may see, most urgent first: overdue, then
    due soon, then by the due date of the current step; with `include_done`, the finished ones
    after them. Open ones are read oldest first, so a cut at `limit` drops the least urgent."""
    reader = Reader()
    rows = NegativeHandling.objects.visible_to(user).select_related(
        "rating__department", "rating__town", "rating__case", "rating__item"
    )
    if include_done:
        rows = rows.order_by("-opened_on", "-id")
    else:
        rows = rows.filter(state__in=OPEN_HANDLING).order_by("opened_on", "id")
    found = [(h, reader.handling(h)) for h in rows[:limit]]
    if warning:
        found = [(h, s) for h, s in found if s.warning == warning]
    return sorted(found, key=lambda pair: pair[1].sort_key)


def appeals(user):
    """Appeals waiting for the bureau, oldest first."""
    return (
        NegativeHandling.objects.visible_to(user)
        .filter(state=NegativeHandling.State.APPEALED)
        .select_related("rating__department", "rating__town", "rating__case", "appealed_by")
        .order_by("appealed_at", "id")
    )


# --- Ratings -----------------------------------------------------------------------------------


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of `month` (YYYY-MM, local time) and of the next; ValueError if bad."""
    year, number = (int(part) for part in month.split("-"))
    start = dt.date(year, number, 1)
    end = dt.date(year + (number == 12), number % 12 + 1, 1)
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end, dt.time.min, tzinfo=zone),
    )


def unit_filter(code: str) -> Q | None:
    """Ratings or tickets of a unit named by a department's code or a town's region code."""
    department = Department.objects.filter(code=code).first()
    if department is not None:
        return Q(department=department)
    town = Region.objects.filter(code=code, level=Region.Level.TOWN).first()
    return Q(town=town) if town is not None else None


def ratings(user, *, negative: bool | None = None, unit: Q | None = None, month: str = ""):
    rows = Rating.objects.visible_to(user).select_related(
        "department", "town", "item", "case", "ticket", "handling"
    )
    if negative is True:
        rows = rows.filter(level__in=NEGATIVE_LEVELS)
    elif negative is False:
        rows = rows.exclude(level__in=NEGATIVE_LEVELS)
    if unit is not None:
        rows = rows.filter(unit)
    if month:
        start, end = month_bounds(month)
        rows = rows.filter(created_at__gte=start, created_at__lt=end)
    return rows.order_by("-created_at", "-id")


# --- Tickets -----------------------------------------------------------------------------------

OPEN_TICKET = tuple(s for s in Ticket.State.values if s != Ticket.State.CLOSED)


def ticket_queue(
    user, *, state: str = "", category: str = "", warning: str = "", q: str = "",
    unit: Q | None = None, limit: int = 2000,
) -> list[tuple[Ticket, Status]]:  # fmt: skip
    """(ticket, status) of the tickets `user` may see: open ones most urgent first (read oldest
    first, so a cut at `limit` drops the least urgent); with state=closed, the closed ones
    newest first. `q`: a ticket number or the caller's phone."""
    reader = Reader()
    rows = Ticket.objects.visible_to(user).select_related("department", "town")
    rows = rows.filter(state=state) if state else rows.filter(state__in=OPEN_TICKET)
    if category:
        rows = rows.filter(category=category)
    if q:
        rows = rows.filter(Q(number=q.strip()) | Q(caller_phone=q.strip()))
    if unit is not None:
        rows = rows.filter(unit)
    closed = state == Ticket.State.CLOSED
    rows = rows.order_by("-received_at", "-id") if closed else rows.order_by("received_at", "id")
    found = [(t, reader.ticket(t)) for t in rows[:limit]]
    if warning:
        found = [(t, s) for t, s in found if s.warning == warning]
    return found if closed else sorted(found, key=lambda pair: pair[1].sort_key)
