"""Move the residents registry's audit chain and outbox onto the shared per-town tables
(kyodo.tenantlog). Entries keep their chain, sequence, hashes and links, and are marked scheme 1
(hashed without actor kind and application), so a chain written before this migration still
verifies after it. Outbox events keep their order and get envelope ids."""

from django.db import migrations

SQL = """
INSERT INTO tenantlog_auditentry (chain, seq, created_at, actor_id, actor_username, municipality_code, action,
    target_type, target_id, purpose, outcome, detail, prev_hash, entry_hash, application, actor_kind, scheme)
SELECT chain, seq, created_at, actor_id, actor_username, municipality_code, action, target_type, target_id,
    purpose, outcome, detail, prev_hash, entry_hash, 'residents',
    CASE WHEN actor_id IS NULL THEN 'system' ELSE 'staff' END, 1
FROM residents_residentauditentry ORDER BY chain, seq;

INSERT INTO tenantlog_audithead (chain, last_seq, last_hash)
SELECT chain, last_seq, last_hash FROM residents_residentaudithead;

INSERT INTO tenantlog_outboxevent (position, event_id, application, event_type, aggregate_type, aggregate_id,
    schema_version, payload, occurred_at, actor_kind, actor_id, actor_name)
SELECT (SELECT coalesce(max(position), 0) FROM tenantlog_outboxevent) + row_number() OVER (ORDER BY id),
    gen_random_uuid(), 'residents', event_type, 'change', aggregate_id, 1, payload - 'schema', created_at,
    'system', '', ''
FROM residents_outboxevent ORDER BY id;

UPDATE tenantlog_outboxcounter SET last_position = (SELECT coalesce(max(position), 0) FROM tenantlog_outboxevent)
WHERE id = 1;
"""


class Migration(migrations.Migration):
    dependencies = [("residents", "0002_append_only"), ("tenantlog", "0002_guards")]
    operations = [migrations.RunSQL(SQL, migrations.RunSQL.noop)]
