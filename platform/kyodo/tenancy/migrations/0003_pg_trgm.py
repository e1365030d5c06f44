"""pg_trgm in the public schema, for the towns' 部分一致 (infix) search indexes.

Extensions belong to the database, not to a schema: it is created once, here, in ``public`` (on
every tenant's search_path under django-tenants), and the town migration that builds the
trigram indexes (residents 0006) names ``<schema of pg_trgm>.gin_trgm_ops``. Where the server has
no pg_trgm (the embedded pgserver build ships without contrib) or the role may not create it,
nothing is created: 部分一致 search stays correct, only unindexed.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)


def create_pg_trgm(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone():
            return
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if not cursor.fetchone():
            logger.warning("pg_trgm is not available on this server; 部分一致 search will be unindexed")
            return
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        except DatabaseError as exc:
            logger.warning("pg_trgm could not be created (%s); 部分一致 search will be unindexed", exc)


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0002_application_registry")]
    operations = [migrations.RunPython(create_pg_trgm, migrations.RunPython.noop)]
