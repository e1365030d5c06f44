"""Search keys fold 濁点・半濁点 and drop the 長音 mark (やまざき finds ヤマサキ): recompute the stored
keys of every history row.

The keys (kana_full, kana_given, name_full, name_given) are derived from the stored names, not
記載事項, so the history guard now lets them change too; every other column of a history row stays
immutable (only is_current may also change). The function is replaced in the town's own schema,
as 0002 created it. Reversing restores the stricter guard; keys stay as recomputed.
"""

from django.db import migrations

GUARD = """
CREATE OR REPLACE FUNCTION residents_history_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'residents history is never deleted';
  END IF;
  IF (to_jsonb(NEW) - %s) IS DISTINCT FROM (to_jsonb(OLD) - %s) THEN
    RAISE EXCEPTION 'residents history is never overwritten (history row %%)', OLD.id;
  END IF;
  RETURN NEW;
END $$;
"""
DERIVED = "ARRAY['is_current', 'kana_full', 'kana_given', 'name_full', 'name_given']"
FORWARD = GUARD % (DERIVED, DERIVED)
REVERSE = GUARD % ("'is_current'", "'is_current'")


def recompute(apps, schema_editor):
    from tenants.residents.search import recompute_search_keys

    with schema_editor.connection.cursor() as cursor:
        recompute_search_keys(cursor)


class Migration(migrations.Migration):
    dependencies = [("residents", "0004_delete_moved_tables")]
    operations = [
        migrations.RunSQL(FORWARD, REVERSE),
        migrations.RunPython(recompute, migrations.RunPython.noop),
    ]
