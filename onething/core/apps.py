from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _enable_sqlite_wal(sender, using, **kwargs):
    """WAL is a property of the database file: set it once, after migrating."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")


class CoreConfig(AppConfig):
    name = "onething.core"
    label = "core"
    verbose_name = "基础"

    def ready(self):
        post_migrate.connect(_enable_sqlite_wal, sender=self)
