"""The protection cache also holds the town's active 抑止 rows: writes to them move the town's
protection generation like writes to person versions, measures and subjects (0008)."""

from django.db import migrations

SQL = """
CREATE TRIGGER residents_protection_bump AFTER INSERT OR UPDATE OR DELETE ON residents_suppression
  FOR EACH STATEMENT EXECUTE FUNCTION residents_protection_bump();
"""
REVERSE_SQL = "DROP TRIGGER IF EXISTS residents_protection_bump ON residents_suppression;"


class Migration(migrations.Migration):

    dependencies = [
        ("residents", "0012_foreign_residents"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE_SQL)]
