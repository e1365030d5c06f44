"""The audit table is append-only (UPDATE/DELETE refused by a trigger in the town's own schema);
the outbox counter row exists from the start (kyodo.tenantlog.outbox takes positions from it);
outbox events are never rewritten or deleted by the application."""

from django.db import migrations

SQL = """
CREATE FUNCTION tenantlog_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the % table is append-only (% refused)', TG_TABLE_NAME, TG_OP;
END $$;
CREATE TRIGGER tenantlog_audit_append_only BEFORE UPDATE OR DELETE ON tenantlog_auditentry
  FOR EACH ROW EXECUTE FUNCTION tenantlog_append_only();
CREATE TRIGGER tenantlog_outbox_append_only BEFORE UPDATE OR DELETE ON tenantlog_outboxevent
  FOR EACH ROW EXECUTE FUNCTION tenantlog_append_only();
INSERT INTO tenantlog_outboxcounter (id, last_position) VALUES (1, 0);
"""

REVERSE = """
DELETE FROM tenantlog_outboxcounter WHERE id = 1;
DROP TRIGGER IF EXISTS tenantlog_outbox_append_only ON tenantlog_outboxevent;
DROP TRIGGER IF EXISTS tenantlog_audit_append_only ON tenantlog_auditentry;
DROP FUNCTION IF EXISTS tenantlog_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("tenantlog", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
