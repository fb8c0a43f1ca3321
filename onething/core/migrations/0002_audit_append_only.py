"""The database itself refuses to change an audit entry once written (append-only)."""

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS core_auditentry_no_update;"

POSTGRES_UP = """
CREATE FUNCTION core_auditentry_refuse_update() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit log is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
FOR EACH ROW EXECUTE FUNCTION core_auditentry_refuse_update();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS core_auditentry_no_update ON core_auditentry;
DROP FUNCTION IF EXISTS core_auditentry_refuse_update();
"""


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
