"""住民種別, 旧氏 (標準仕様 1.1.1) and the 外国人住民 items (1.1.2) on each history row, with their
search keys; the 通称履歴 table, append-only like the history itself (its guard function lives in
the town's own schema, as 0002's do)."""

import django.db.models.deletion
from django.db import migrations, models

ALIAS_GUARD = """
CREATE FUNCTION residents_alias_history_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'residents alias history (通称履歴) is append-only (% on %)', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER residents_alias_history_guard BEFORE UPDATE OR DELETE ON residents_aliasentry
  FOR EACH ROW EXECUTE FUNCTION residents_alias_history_guard();
"""
# 部分一致 on the new keys, where pg_trgm is installed (as 0006 does for the kana and name keys).
TRIGRAM_INDEXES = {"residents_alpha_full_trgm": "alpha_full", "residents_alias_full_trgm": "alias_full",
                   "residents_alias_kana_trgm": "alias_kana_full"}


def create_trigram_indexes(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                       "WHERE e.extname = 'pg_trgm'")
        row = cursor.fetchone()
        if row is None:
            return
        opclass = f'"{row[0]}".gin_trgm_ops'
        for name, column in TRIGRAM_INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON residents_personversion "
                           f"USING gin ({column} {opclass}) WHERE is_current")


def drop_trigram_indexes(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for name in TRIGRAM_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


ALIAS_GUARD_REVERSE = """
DROP TRIGGER IF EXISTS residents_alias_history_guard ON residents_aliasentry;
DROP FUNCTION IF EXISTS residents_alias_history_guard();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('residents', '0011_dates_and_inspection'),
        ('tenancy', '0003_pg_trgm'),
    ]

    operations = [
        migrations.CreateModel(
            name='AliasEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(choices=[('record', '記載'), ('remove', '削除')], max_length=10, verbose_name='記載・削除')),
                ('alias_name', models.CharField(max_length=200, verbose_name='通称')),
                ('alias_name_kana', models.CharField(blank=True, max_length=200, verbose_name='通称カナ')),
                ('done_on', models.DateField(verbose_name='年月日')),
                ('municipality', models.CharField(max_length=100, verbose_name='市区町村')),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['person_id', 'done_on', 'id'],
            },
        ),
        migrations.AddField(
            model_name='personversion',
            name='alias_full',
            field=models.TextField(default=''),
        ),
        migrations.AddField(
            model_name='personversion',
            name='alias_kana_full',
            field=models.TextField(default=''),
        ),
        migrations.AddField(
            model_name='personversion',
            name='alias_name',
            field=models.CharField(blank=True, default='', max_length=200, verbose_name='通称'),
        ),
        migrations.AddField(
            model_name='personversion',
            name='alias_name_kana',
            field=models.CharField(blank=True, default='', max_length=200, verbose_name='通称カナ'),
        ),
        migrations.AddField(
            model_name='personversion',
            name='alpha_full',
            field=models.TextField(default=''),
        ),
        migrations.AddField(
            model_name='personversion',
            name='alphabet_name',
            field=models.CharField(blank=True, default='', max_length=200, verbose_name='氏名（アルファベット表記）'),
        ),
        migrations.AddField(
            model_name='personversion',
            name='article_30_45',
            field=models.CharField(blank=True, choices=[('mid_long_term', '中長期在留者'), ('special_permanent', '特別永住者'), ('temporary_refuge', '一時庇護許可者'), ('provisional_stay', '仮滞在許可者'), ('birth_transition', '出生による経過滞在者'), ('nationality_loss_transition', '国籍喪失による経過滞在者')], default='', max_length=30, verbose_name='法第30条の45に規定する区分'),
        ),
        migrations.AddField(
            model_name='personversion',
            name='card_number',
            field=models.CharField(blank=True, default='', max_length=12, verbose_name='在留カード等の番号'),
        ),
        migrations.AddField(
            model_name='personversion',
            name='former_family_name',
            field=models.CharField(blank=True, default='', max_length=100, verbose_name='旧氏'),
        ),
        migrations.AddField(
            model_name='personversion',
            name='former_family_name_kana',
            field=models.CharField(blank=True, default='', max_length=100, verbose_name='旧氏カナ'),
        ),
        migrations.AddField(
            model_name='personversion',
            name='nationality',
            field=models.CharField(blank=True, default='', max_length=3, verbose_name='国籍・地域'),
        ),
        migrations.AddField(
            model_name='personversion',
            name='period_of_stay',
            field=models.CharField(blank=True, default='', max_length=20, verbose_name='在留期間'),
        ),
        migrations.AddField(
            model_name='personversion',
            name='residence_status',
            field=models.CharField(blank=True, default='', max_length=50, verbose_name='在留資格'),
        ),
        migrations.AddField(
            model_name='personversion',
            name='resident_kind',
            field=models.CharField(choices=[('japanese', '日本人'), ('foreign', '外国人住民')], default='japanese', max_length=10, verbose_name='住民種別'),
        ),
        migrations.AddField(
            model_name='personversion',
            name='stay_expires_on',
            field=models.DateField(blank=True, null=True, verbose_name='在留期間の満了日'),
        ),
        migrations.AddIndex(
            model_name='personversion',
            index=models.Index(condition=models.Q(('is_current', True)), fields=['alpha_full'], name='residents_alpha_full_idx', opclasses=['text_pattern_ops']),
        ),
        migrations.AddIndex(
            model_name='personversion',
            index=models.Index(condition=models.Q(('is_current', True)), fields=['alias_full'], name='residents_alias_full_idx', opclasses=['text_pattern_ops']),
        ),
        migrations.AddIndex(
            model_name='personversion',
            index=models.Index(condition=models.Q(('is_current', True)), fields=['alias_kana_full'], name='residents_alias_kana_idx', opclasses=['text_pattern_ops']),
        ),
        migrations.AddField(
            model_name='aliasentry',
            name='change',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='residents.change'),
        ),
        migrations.AddField(
            model_name='aliasentry',
            name='person',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='alias_entries', to='residents.person'),
        ),
        migrations.RunSQL(ALIAS_GUARD, ALIAS_GUARD_REVERSE),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
