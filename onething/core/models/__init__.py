from .audit import AuditEntry
from .calendar import CalendarYear, WorkCalendarDay
from .notifications import InboxMessage, OutboxMessage
from .organisation import Department, Region
from .people import ApiToken, Role, User
from .settings import DistrictSetting

__all__ = [
    "ApiToken",
    "AuditEntry",
    "CalendarYear",
    "Department",
    "DistrictSetting",
    "InboxMessage",
    "OutboxMessage",
    "Region",
    "Role",
    "User",
    "WorkCalendarDay",
]
