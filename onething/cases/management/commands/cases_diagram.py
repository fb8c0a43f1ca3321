from django.core.management.base import BaseCommand

from onething.cases.lifecycle_doc import DOC, render


class Command(BaseCommand):
    help = "Write docs/cases-lifecycle.md from the case transition table."

    def handle(self, *args, **options):
        DOC.write_text(render(), encoding="utf-8")
        self.stdout.write(f"wrote {DOC}")
