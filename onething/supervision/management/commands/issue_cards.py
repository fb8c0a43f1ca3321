import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from onething.core.errors import ServiceError
from onething.supervision import cards
from onething.supervision.months import month_label, next_month, parse_month, previous_month


class Command(BaseCommand):
    help = (
        "The monthly run of red and yellow cards (红黄牌): issue a month's cards with their "
        "evidence. Idempotent: cards already issued are kept, only missing ones are added. "
        "Run from cron on the 1st for the month just ended (the default)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: last month)")
        parser.add_argument(
            "--through",
            help="YYYY-MM: issue every month from --month to this one, in order (a year at once)",
        )
        parser.add_argument("--preview", action="store_true", help="list the cards, write nothing")
        parser.add_argument(
            "--today",
            default="",
            help="YYYY-MM-DD: the day the run counts as today (default: today)",
        )

    def handle(self, *args, **options):
        today = dt.date.fromisoformat(options["today"]) if options["today"] else None
        current = (today or timezone.localdate()).replace(day=1)
        try:
            first = parse_month(options["month"]) if options["month"] else previous_month(current)
            last = parse_month(options["through"]) if options["through"] else first
        except ServiceError as error:
            raise CommandError(error.message) from None
        month = first
        while month <= last:
            self._one(month, today, options["preview"])
            month = next_month(month)

    def _one(self, month, today, preview_only):
        label = month_label(month)
        try:
            if preview_only:
                for card in cards.preview(month, today=today):
                    self.stdout.write(
                        f"{label} {card.unit.name} {card.rule.label}"
                        f"（{'红牌' if card.color == 'red' else '黄牌'}）：{card.count}"
                    )
                return
            result = cards.issue_month(month, today=today)
        except ServiceError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"{label}：新签发 {len(result.created)} 张，已存在 {result.existing} 张")
