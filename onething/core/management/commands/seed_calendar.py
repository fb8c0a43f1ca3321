from django.core.management.base import BaseCommand

from onething.core.services import seed_calendar_from_package


class Command(BaseCommand):
    help = "从 chinese-calendar 载入尚未录入的年份（2004 年起）。"

    def handle(self, *args, **options):
        self.stdout.write(f"新增年份：{seed_calendar_from_package()}")
