"""Running guidance for a request: the bundle's published definition, today's calendar, and
what the registries supply for a signed-in applicant."""

from __future__ import annotations

from django.utils import timezone

from onething.bundles import guidance
from onething.bundles.definitions import build_definition
from onething.bundles.models import Bundle
from onething.core import workdays
from onething.core.services import load_calendar


def supplier_for(user):
    """Whether a base registry or an e-license supplies a material for this applicant: for a
    signed-in applicant found in the registries, every material an e-license or shared data
    can replace; for anyone else, none (they are told signing in may spare them)."""
    if not (user is not None and user.is_authenticated and user.is_applicant):
        return lambda need: False
    from onething.registries.models import Enterprise, Person

    found = Person.objects.visible_to(user).exists()
    if user.role == "enterprise":
        found = found and Enterprise.objects.visible_to(user).exists()
    return lambda need: found and need.replaceable_by in ("license", "shared_data")


def conclusion_day(calendar, day, days: int):
    """The day a limit of `days` working days from `day` ends; an on-the-spot item applied for
    on a weekend or holiday is done on the next working day, when the hall is open."""
    if days == 0 and not calendar.is_working_day(day):
        return workdays.next_working_day(calendar, day).due
    return workdays.add_working_days(calendar, day, days).due


def where_to_go(result: guidance.Result) -> dict:
    """Online, the hall's windows, and whether a community service point near home takes any
    of the items (就近办: the same base code implemented at community level)."""
    from onething.catalog.models import ServiceItem

    base_codes = {m.item_code[-12:] for m in result.items}
    return {
        "online": result.all_online,
        "places": sorted({m.place for m in result.items if m.place}),
        "nearby": ServiceItem.objects.filter(level=6, base_code__in=base_codes).exists(),
    }


def run_guidance(
    bundle: Bundle, answers: dict, user=None
) -> tuple[guidance.Definition, guidance.Result]:
    definition = build_definition(bundle.definition)
    calendar = load_calendar()
    result = guidance.guide(
        definition,
        answers,
        today=timezone.localdate(),
        add_working_days=lambda day, n: conclusion_day(calendar, day, n),
        supplied=supplier_for(user),
    )
    return definition, result
