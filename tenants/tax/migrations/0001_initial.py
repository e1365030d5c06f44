

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='Charge',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tax', models.CharField(choices=[('juminzei', '個人住民税'), ('hojin', '法人住民税'), ('kotei', '固定資産税')], max_length=20, verbose_name='税目')),
                ('fiscal_year', models.PositiveIntegerField(verbose_name='年度')),
                ('subject_kind', models.CharField(choices=[('person', '個人'), ('corporation', '法人')], max_length=20, verbose_name='納税者の区分')),
                ('person_id', models.BigIntegerField(blank=True, null=True, verbose_name='納税者（住民記録）')),
                ('atena_number', models.CharField(blank=True, max_length=12, verbose_name='宛名番号')),
                ('corporate_number', models.CharField(blank=True, max_length=13, verbose_name='法人番号')),
                ('name', models.CharField(max_length=200, verbose_name='納税者名')),
                ('notice_no', models.CharField(max_length=30, verbose_name='通知書番号')),
                ('instalment', models.PositiveSmallIntegerField(verbose_name='期別')),
                ('collection', models.CharField(max_length=20, verbose_name='徴収方法')),
                ('amount', models.PositiveBigIntegerField(verbose_name='調定額')),
                ('due_on', models.DateField(verbose_name='納期限')),
                ('is_current', models.BooleanField(default=True)),
                ('issued_at', models.DateTimeField(auto_now_add=True, verbose_name='発付日時')),
                ('issued_by', models.CharField(max_length=150, verbose_name='発付者')),
            ],
            options={
                'db_table': 'tax_charge',
                'ordering': ['tax', 'fiscal_year', 'notice_no', 'instalment'],
                'indexes': [models.Index(fields=['person_id', 'tax', 'fiscal_year'], name='tax_charge_person'), models.Index(fields=['corporate_number', 'tax', 'fiscal_year'], name='tax_charge_corporation')],
                'constraints': [models.UniqueConstraint(fields=('notice_no', 'instalment'), name='tax_charge_notice_instalment'), models.CheckConstraint(condition=models.Q(models.Q(('corporate_number', ''), ('person_id__isnull', False), ('subject_kind', 'person')), models.Q(('person_id__isnull', True), ('subject_kind', 'corporation'), models.Q(('corporate_number', ''), _negated=True)), _connector='OR'), name='tax_charge_one_subject')],
            },
        ),
        migrations.CreateModel(
            name='WorkItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('address_change', '住所変更（送付先）'), ('heir_representative', '相続人代表者の指定'), ('moved_in', '転入者の課税確認'), ('revaluation', '評価変更（登記済通知）')], max_length=30, verbose_name='作業の種類')),
                ('tax', models.CharField(choices=[('juminzei', '個人住民税'), ('hojin', '法人住民税'), ('kotei', '固定資産税')], max_length=20, verbose_name='税目')),
                ('status', models.CharField(choices=[('pending', '未処理'), ('confirmed', '確定'), ('adjusted', '評価を修正して確定'), ('rejected', '却下'), ('dismissed', '対象外')], default='pending', max_length=20, verbose_name='状態')),
                ('person_id', models.BigIntegerField(blank=True, null=True, verbose_name='対象者（住民記録）')),
                ('atena_number', models.CharField(blank=True, max_length=12, verbose_name='宛名番号')),
                ('corporate_number', models.CharField(blank=True, max_length=13, verbose_name='法人番号')),
                ('parcel_id', models.BigIntegerField(blank=True, null=True, verbose_name='土地・家屋')),
                ('subject_key', models.CharField(max_length=40, verbose_name='対象のキー')),
                ('proposed', models.JSONField(default=dict, verbose_name='提案内容')),
                ('summary', models.CharField(max_length=300, verbose_name='概要')),
                ('source_key', models.CharField(max_length=80, verbose_name='発生元')),
                ('source_type', models.CharField(max_length=60, verbose_name='発生元の種類')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('decided_by', models.CharField(blank=True, max_length=150)),
                ('decision_note', models.CharField(blank=True, max_length=200, verbose_name='処理メモ・却下の理由')),
            ],
            options={
                'db_table': 'tax_workitem',
                'ordering': ['created_at', 'pk'],
                'indexes': [models.Index(fields=['tax', 'status'], name='tax_workitem_pending')],
                'constraints': [models.UniqueConstraint(fields=('source_key', 'tax', 'kind', 'subject_key'), name='tax_workitem_once'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'rejected'), _negated=True), models.Q(('decision_note', ''), _negated=True), _connector='OR'), name='tax_workitem_reject_has_reason')],
            },
        ),
        migrations.CreateModel(
            name='DelinquencyStatus',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('stage', models.CharField(choices=[('reminded', '督促'), ('urged', '催告'), ('instalment_plan', '分納誓約'), ('seized', '差押'), ('suspended', '執行停止'), ('closed', '完結')], max_length=20, verbose_name='状況')),
                ('as_of', models.DateField(verbose_name='基準日')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='備考')),
                ('recorded_by', models.CharField(max_length=150, verbose_name='記録者')),
                ('idempotency_key', models.CharField(blank=True, max_length=100, verbose_name='冪等キー')),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
                ('charge', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='statuses', to='tax.charge', verbose_name='調定')),
            ],
            options={
                'db_table': 'tax_delinquency_status',
                'ordering': ['charge_id', 'as_of', 'pk'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('idempotency_key', ''), _negated=True), fields=('recorded_by', 'idempotency_key'), name='tax_delinquency_idempotent')],
            },
        ),
        migrations.CreateModel(
            name='Payment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.PositiveBigIntegerField(verbose_name='収納額')),
                ('paid_on', models.DateField(verbose_name='収納日')),
                ('channel', models.CharField(max_length=30, verbose_name='収納方法')),
                ('recorded_by', models.CharField(max_length=150, verbose_name='記録者')),
                ('idempotency_key', models.CharField(blank=True, max_length=100, verbose_name='冪等キー')),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
                ('charge', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payments', to='tax.charge', verbose_name='調定')),
            ],
            options={
                'db_table': 'tax_payment',
                'ordering': ['paid_on', 'pk'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('idempotency_key', ''), _negated=True), fields=('recorded_by', 'idempotency_key'), name='tax_payment_idempotent'), models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='tax_payment_positive')],
            },
        ),
    ]
