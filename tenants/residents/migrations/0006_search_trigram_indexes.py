"""Trigram (pg_trgm) GIN indexes for 部分一致 search on the folded full keys (current rows only).

Only where pg_trgm is installed (kyodo.tenancy 0003 creates it in public when the server has it);
otherwise nothing is built and 部分一致 search is a sequential scan of the current rows. The
indexes are not in the model state (they depend on the server), so they are created and dropped
here only. A server that gains pg_trgm later gets them by reverting and re-applying this
migration per town, or by creating them by hand with the SQL below.
"""

from django.db import migrations

INDEXES = {"residents_kana_full_trgm": "kana_full", "residents_name_full_trgm": "name_full"}


def create(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                       "WHERE e.extname = 'pg_trgm'")
        row = cursor.fetchone()
        if row is None:
            return
        opclass = f'"{row[0]}".gin_trgm_ops'
        for name, column in INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON residents_personversion "
                           f"USING gin ({column} {opclass}) WHERE is_current")


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("residents", "0005_search_keys_fold_voicing"), ("tenancy", "0003_pg_trgm")]
    operations = [migrations.RunPython(create, drop)]
