from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from onething.core import services
from onething.core.errors import ServiceError


class Command(BaseCommand):
    help = "录入某年的国务院节假日安排（格式见 docs/calendar-import.md）。全部正确才导入。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--source", required=True, help="通知文号，如 国办发明电〔2026〕7号")

    def handle(self, *args, file, year, source, **options):
        try:
            entry = services.import_schedule(
                actor=None, year=year, text=file.read_text(encoding="utf-8"), source=source
            )
        except ServiceError as error:
            details = "\n".join(f"  {k}：{v}" for k, v in error.fields.items())
            raise CommandError(f"{error.message}\n{details}") from error
        self.stdout.write(f"已录入 {entry}")
