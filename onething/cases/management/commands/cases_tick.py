from django.core.management.base import BaseCommand

from onething.cases.services import deem_accept_due


class Command(BaseCommand):
    help = (
        "Daily case housekeeping: cases with no correction notice within 5 working days of "
        "receipt count as accepted from receipt (行政许可法 第三十二条). Run from cron each "
        "morning; pages and actions also apply the rule when they touch such a case."
    )

    def handle(self, *args, **options):
        count = deem_accept_due()
        self.stdout.write(f"视为受理：{count} 件")
