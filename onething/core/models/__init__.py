from .audit import AuditEntry
from .calendar import CalendarYear, WorkCalendarDay
from .organisation import Department, Region
from .people import ApiToken, Role, User

__all__ = [
    "ApiToken",
    "AuditEntry",
    "CalendarYear",
    "Department",
    "Region",
    "Role",
    "User",
    "WorkCalendarDay",
]
