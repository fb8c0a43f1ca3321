import json

from django.core.management.base import BaseCommand

from onething.api import api


class Command(BaseCommand):
    help = "Print the OpenAPI document the code generates (committed as openapi.json)."

    def handle(self, *args, **options):
        schema = api.get_openapi_schema(path_prefix="/api/v1/")
        self.stdout.write(json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True))
