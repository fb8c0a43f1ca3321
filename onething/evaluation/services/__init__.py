"""Every state change of ratings and hotline tickets (see each module's docstring).

- ratings: `rate_case`, `rate_hall_service`, `rate_ticket`
- handling: `perform` on a negative rating's handling (verify, rectify, follow-up, close,
  appeal, decide-appeal), `actions_for`, `rater_contact`, `reveal_rater_phone`
- links: `issue_rating_link`, `rate_by_link`, `send_rating_sms`
- hotline: `intake_ticket`, `perform` on a ticket (dispatch, sign, reply, return, reassign,
  visit, close), `actions_for`
"""

from .handling import reveal_rater_phone
from .links import issue_rating_link, rate_by_link, send_rating_sms
from .ratings import rate_case, rate_hall_service, rate_ticket

__all__ = [
    "issue_rating_link",
    "rate_by_link",
    "rate_case",
    "rate_hall_service",
    "rate_ticket",
    "reveal_rater_phone",
    "send_rating_sms",
]
