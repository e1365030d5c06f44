"""Make the platform audit table append-only at the database level: UPDATE and DELETE raise.

(The hash chain still catches tampering by anyone able to disable the trigger.)"""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION kyodo_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit log is append-only (% on %)', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER audit_platformauditentry_append_only
  BEFORE UPDATE OR DELETE ON audit_platformauditentry
  FOR EACH ROW EXECUTE FUNCTION kyodo_audit_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS audit_platformauditentry_append_only ON audit_platformauditentry;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
