"""The 抑止 engine (Suppression, SuppressionLift), 支援措置 with its stage, subjects, restricted
services and 加害者 details, and a protection generation bumped by statement triggers.

Existing active measures get the blocks a measure carries (証明 error, 照会 and 異動 alerts) and
restrict every service; the old per-viewer exceptions are gone (照会 is now an alert)."""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models


SERVICES = ["inspection", "copy", "copy_previous", "fuhyo", "fuhyo_previous"]
BLOCKS = (("certificate", "error"), ("inquiry", "alert"), ("change", "alert"))

GENERATION_SQL = """
CREATE SEQUENCE residents_protection_seq;
INSERT INTO residents_counter (name, value) VALUES ('protection', nextval('residents_protection_seq'))
  ON CONFLICT (name) DO NOTHING;
CREATE FUNCTION residents_protection_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE residents_counter SET value = nextval('residents_protection_seq') WHERE name = 'protection';
  RETURN NULL;
END $$;
CREATE TRIGGER residents_protection_bump AFTER INSERT OR UPDATE OR DELETE ON residents_personversion
  FOR EACH STATEMENT EXECUTE FUNCTION residents_protection_bump();
CREATE TRIGGER residents_protection_bump AFTER INSERT OR UPDATE OR DELETE ON residents_supportmeasure
  FOR EACH STATEMENT EXECUTE FUNCTION residents_protection_bump();
CREATE TRIGGER residents_protection_bump AFTER INSERT OR UPDATE OR DELETE ON residents_measuresubject
  FOR EACH STATEMENT EXECUTE FUNCTION residents_protection_bump();
"""

GENERATION_REVERSE_SQL = """
DROP TRIGGER IF EXISTS residents_protection_bump ON residents_personversion;
DROP TRIGGER IF EXISTS residents_protection_bump ON residents_supportmeasure;
DROP TRIGGER IF EXISTS residents_protection_bump ON residents_measuresubject;
DROP FUNCTION IF EXISTS residents_protection_bump();
DELETE FROM residents_counter WHERE name = 'protection';
DROP SEQUENCE IF EXISTS residents_protection_seq;
"""


def blocks_for_existing_measures(apps, schema_editor):
    SupportMeasure = apps.get_model("residents", "SupportMeasure")
    Suppression = apps.get_model("residents", "Suppression")
    for measure in SupportMeasure.objects.all():
        measure.restricted_services = SERVICES
        measure.save(update_fields=["restricted_services"])
        for process, severity in BLOCKS:
            Suppression.objects.create(
                process=process, severity=severity, reason="support_measure", measure=measure,
                starts_on=measure.starts_on, ends_on=measure.ends_on, created_by_id=measure.created_by_id,
                created_by_username=measure.created_by_username, ended_at=measure.ended_at)


class Migration(migrations.Migration):

    dependencies = [
        ('residents', '0007_resident_status_moving_out'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='measurerequest',
            name='expires_at',
        ),
        migrations.AddField(
            model_name='aggressor',
            name='address',
            field=models.CharField(blank=True, max_length=300, verbose_name='住所'),
        ),
        migrations.AddField(
            model_name='aggressor',
            name='sex',
            field=models.CharField(blank=True, max_length=1, verbose_name='性別'),
        ),
        migrations.AddField(
            model_name='blockedattempt',
            name='kind',
            field=models.CharField(choices=[('refused', '拒否（エラー）'), ('alerted', '警告の上で照会'), ('aggressor', '加害者からの請求')], default='refused', max_length=10),
        ),
        migrations.AddField(
            model_name='blockedattempt',
            name='purpose',
            field=models.CharField(blank=True, max_length=200, verbose_name='目的'),
        ),
        migrations.AddField(
            model_name='supportmeasure',
            name='end_reason',
            field=models.CharField(blank=True, max_length=500, verbose_name='終了理由'),
        ),
        migrations.AddField(
            model_name='supportmeasure',
            name='extended_times',
            field=models.PositiveIntegerField(default=0, verbose_name='延長回数'),
        ),
        migrations.AddField(
            model_name='supportmeasure',
            name='forwarded_to',
            field=models.CharField(blank=True, max_length=200, verbose_name='転出先（転送先）'),
        ),
        migrations.AddField(
            model_name='supportmeasure',
            name='kind',
            field=models.CharField(choices=[('provisional', '仮支援措置'), ('formal', '支援措置'), ('previous_address', '前住所地の仮支援措置')], default='formal', max_length=20, verbose_name='種別'),
        ),
        migrations.AddField(
            model_name='supportmeasure',
            name='previous_municipality',
            field=models.CharField(blank=True, max_length=100, verbose_name='前住所地の市区町村'),
        ),
        migrations.AddField(
            model_name='supportmeasure',
            name='restricted_services',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('inspection', '住民基本台帳の一部の写しの閲覧'), ('copy', '住民票の写し等の交付'), ('copy_previous', '除票の写し等の交付（前住所）'), ('fuhyo', '戸籍の附票の写しの交付'), ('fuhyo_previous', '戸籍の附票の除票の写しの交付（前本籍）')], max_length=20), default=list, size=None, verbose_name='対象となる事務'),
        ),
        migrations.AlterField(
            model_name='aggressor',
            name='person',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='residents.person', verbose_name='宛名番号（住民の場合）'),
        ),
        migrations.AlterField(
            model_name='measurerequest',
            name='kind',
            field=models.CharField(choices=[('end', '支援措置の終了')], max_length=10),
        ),
        migrations.AlterField(
            model_name='supportmeasure',
            name='person',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='support_measures', to='residents.person', verbose_name='申出者'),
        ),
        migrations.CreateModel(
            name='SuppressionLift',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('process', models.CharField(choices=[('change', '異動'), ('certificate', '証明'), ('inquiry', '照会')], max_length=12, verbose_name='業務')),
                ('suppression_ids', django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), default=list, size=None)),
                ('purpose', models.CharField(max_length=500, verbose_name='理由・目的')),
                ('status', models.CharField(choices=[('pending', '仮登録'), ('approved', '本登録（決裁済）'), ('rejected', '差戻し')], default='pending', max_length=10)),
                ('requested_by_id', models.BigIntegerField()),
                ('requested_by_username', models.CharField(max_length=150)),
                ('requested_at', models.DateTimeField(auto_now_add=True)),
                ('decided_by_id', models.BigIntegerField(blank=True, null=True)),
                ('decided_by_username', models.CharField(blank=True, max_length=150)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('rejection_reason', models.CharField(blank=True, max_length=500)),
                ('expires_at', models.DateTimeField(blank=True, null=True)),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('used_for', models.CharField(blank=True, max_length=60, verbose_name='使用（発行番号）')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='residents.person')),
            ],
        ),
        migrations.CreateModel(
            name='MeasureSubject',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('relation', models.CharField(blank=True, max_length=30, verbose_name='申出者との関係')),
                ('measure', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='subjects', to='residents.supportmeasure')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='residents.person')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('measure', 'person'), name='residents_subject_unique')],
            },
        ),
        migrations.CreateModel(
            name='Suppression',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('process', models.CharField(choices=[('change', '異動'), ('certificate', '証明'), ('inquiry', '照会')], max_length=12, verbose_name='業務')),
                ('severity', models.CharField(choices=[('error', 'エラー'), ('alert', 'アラート')], max_length=5, verbose_name='区分')),
                ('reason', models.CharField(choices=[('support_measure', '支援措置'), ('removal_candidate', '消除対象者'), ('court_order', '裁判所等の命令'), ('guardianship', '成年被後見人'), ('other', 'その他')], max_length=20, verbose_name='抑止事由')),
                ('starts_on', models.DateField(verbose_name='開始日')),
                ('ends_on', models.DateField(blank=True, null=True, verbose_name='終了予定日')),
                ('note', models.CharField(blank=True, max_length=500, verbose_name='備考')),
                ('created_by_id', models.BigIntegerField()),
                ('created_by_username', models.CharField(max_length=150)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
                ('ended_by_username', models.CharField(blank=True, max_length=150)),
                ('end_reason', models.CharField(blank=True, max_length=500, verbose_name='解除理由')),
                ('household', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='residents.household')),
                ('measure', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='suppressions', to='residents.supportmeasure')),
                ('person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='residents.person')),
            ],
            options={
                'indexes': [models.Index(condition=models.Q(('ended_at__isnull', True)), fields=['process', 'person'], name='residents_supp_person_idx'), models.Index(condition=models.Q(('ended_at__isnull', True)), fields=['process', 'household'], name='residents_supp_household_idx'), models.Index(condition=models.Q(('ended_at__isnull', True)), fields=['process', 'measure'], name='residents_supp_measure_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('household__isnull', True), ('person__isnull', False)), models.Q(('household__isnull', False), ('person__isnull', True)), models.Q(('household__isnull', True), ('measure__isnull', False), ('person__isnull', True)), _connector='OR'), name='residents_suppression_one_target')],
            },
        ),
        migrations.RunPython(blocks_for_existing_measures, migrations.RunPython.noop),
        migrations.RunSQL(GENERATION_SQL, GENERATION_REVERSE_SQL),
    ]
