"""Queries of the core context that grow beyond one line."""

import datetime as dt

from django.db.models import Q

from onething.core.models import AuditEntry


def filter_audit(
    entries,
    *,
    actor: str = "",
    action: str = "",
    kind: str = "",
    object_type: str = "",
    object_id: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
):
    """Narrow an already visibility-filtered audit queryset by the log page's filters."""
    if actor:
        entries = entries.filter(Q(actor_name__contains=actor) | Q(actor__username=actor))
    if action:
        entries = entries.filter(action__startswith=action)
    if kind in AuditEntry.Kind.values:
        entries = entries.filter(kind=kind)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if date_from:
        entries = entries.filter(at__date__gte=date_from)
    if date_to:
        entries = entries.filter(at__date__lte=date_to)
    return entries.select_related("actor")
