"""What the cases services announce to the contexts built on them.

`case_ended` is sent, inside the transaction that ends it, when a case has just ended in a state
its applicant may rate: 办结 (concluded, by delivery or instant approval at submission) or 不予受理
(refused). Arguments: `case` (saved), `now`. The evaluation context sends the rating link
(evaluation.services.links.invite_to_rate); cases itself does not know about ratings.
"""

from django.dispatch import Signal

case_ended = Signal()
