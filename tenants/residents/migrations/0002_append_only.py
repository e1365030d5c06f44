"""Database-level guards: the audit table is append-only; history rows (履歴) are never rewritten —
only the is_current flag of the previous row may change when a new row is added.

Functions live in the town's own schema (created unqualified while migrating that schema), so no
two towns' migrations touch a shared object. The hash chain still catches anyone able to disable them.
"""

from django.db import migrations

SQL = """
CREATE FUNCTION residents_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'residents audit log is append-only (% on %)', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER residents_audit_append_only BEFORE UPDATE OR DELETE ON residents_residentauditentry
  FOR EACH ROW EXECUTE FUNCTION residents_append_only();
CREATE FUNCTION residents_history_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'residents history is never deleted';
  END IF;
  IF (to_jsonb(NEW) - 'is_current') IS DISTINCT FROM (to_jsonb(OLD) - 'is_current') THEN
    RAISE EXCEPTION 'residents history is never overwritten (history row %)', OLD.id;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER residents_history_guard BEFORE UPDATE OR DELETE ON residents_personversion
  FOR EACH ROW EXECUTE FUNCTION residents_history_guard();
"""

REVERSE = """
DROP TRIGGER IF EXISTS residents_history_guard ON residents_personversion;
DROP TRIGGER IF EXISTS residents_audit_append_only ON residents_residentauditentry;
DROP FUNCTION IF EXISTS residents_history_guard();
DROP FUNCTION IF EXISTS residents_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("residents", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
