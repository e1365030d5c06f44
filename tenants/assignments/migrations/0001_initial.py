

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='IntakeBatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('filename', models.CharField(max_length=200, verbose_name='ファイル名')),
                ('form', models.CharField(max_length=10, verbose_name='形式')),
                ('count', models.PositiveIntegerField(verbose_name='件数')),
                ('received_at', models.DateTimeField(auto_now_add=True)),
                ('received_by', models.CharField(max_length=150)),
            ],
            options={
                'db_table': 'assignments_intake_batch',
                'ordering': ['-received_at'],
            },
        ),
        migrations.CreateModel(
            name='Office',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=30, unique=True, verbose_name='庁舎コード')),
                ('name', models.CharField(max_length=60, verbose_name='名称')),
                ('kind', models.CharField(choices=[('main', '本庁'), ('branch', '支所'), ('sub_branch', '出張所')], max_length=20, verbose_name='種別')),
                ('opens_at', models.TimeField(verbose_name='開庁時刻')),
                ('closes_at', models.TimeField(verbose_name='閉庁時刻')),
                ('work_minutes', models.PositiveIntegerField(default=465, verbose_name='1日の勤務時間（分）')),
                ('active', models.BooleanField(default=True)),
            ],
            options={
                'db_table': 'assignments_office',
                'ordering': ['code'],
            },
        ),
        migrations.CreateModel(
            name='Plan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='対象日')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.CharField(max_length=150)),
                ('assigned', models.PositiveIntegerField(verbose_name='配分件数')),
                ('left_over', models.PositiveIntegerField(verbose_name='翌日以降に残った件数')),
                ('offices', models.JSONField(default=list, verbose_name='庁舎ごとの内訳')),
            ],
            options={
                'db_table': 'assignments_plan',
                'ordering': ['-day', '-created_at'],
            },
        ),
        migrations.CreateModel(
            name='Task',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('application_id', models.CharField(max_length=60, unique=True, verbose_name='申請番号')),
                ('kind', models.CharField(choices=[('move_in_reservation', '転入（予約）'), ('relocation', '転居'), ('move_out', '転出'), ('nhi_acquire', '国保 資格取得'), ('nhi_lose', '国保 資格喪失'), ('nhi_reissue', '国保 再交付')], max_length=30, verbose_name='申請の種類')),
                ('status', models.CharField(choices=[('received', '受付'), ('assigned', '配分'), ('in_progress', '処理中'), ('done', '完了'), ('returned', '差戻し')], default='received', max_length=20, verbose_name='状態')),
                ('minutes', models.PositiveIntegerField(verbose_name='標準処理時間（分）')),
                ('received_at', models.DateTimeField(verbose_name='受付日時')),
                ('due_on', models.DateField(verbose_name='処理期限')),
                ('summary', models.CharField(max_length=200, verbose_name='概要')),
                ('person_id', models.BigIntegerField(blank=True, null=True, verbose_name='対象者（住民記録）')),
                ('applicant_name', models.CharField(blank=True, max_length=100, verbose_name='申請者')),
                ('source', models.CharField(default='api', max_length=20, verbose_name='受付経路')),
                ('content_hash', models.CharField(blank=True, max_length=64, verbose_name='申請内容のハッシュ')),
                ('prefill', models.JSONField(blank=True, default=dict, verbose_name='仮登録の下書き')),
                ('change_id', models.BigIntegerField(blank=True, null=True, verbose_name='作成した仮登録（住民記録の異動）')),
                ('planned_on', models.DateField(blank=True, null=True, verbose_name='配分日')),
                ('taken_by', models.CharField(blank=True, max_length=150, verbose_name='処理者')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('batch', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tasks', to='assignments.intakebatch')),
                ('office', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tasks', to='assignments.office', verbose_name='配分先')),
            ],
            options={
                'db_table': 'assignments_task',
                'ordering': ['due_on', 'received_at', 'application_id'],
            },
        ),
        migrations.CreateModel(
            name='Attachment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('filename', models.CharField(max_length=100, verbose_name='ファイル名')),
                ('content_type', models.CharField(max_length=40, verbose_name='形式')),
                ('size', models.PositiveIntegerField(verbose_name='サイズ（バイト）')),
                ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                ('object_key', models.CharField(max_length=200, unique=True, verbose_name='保存先のキー')),
                ('stored_at', models.DateTimeField(auto_now_add=True)),
                ('task', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attachments', to='assignments.task')),
            ],
            options={
                'db_table': 'assignments_attachment',
                'ordering': ['task_id', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='TaskEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(auto_now_add=True)),
                ('actor', models.CharField(max_length=150, verbose_name='操作者')),
                ('action', models.CharField(max_length=30, verbose_name='操作')),
                ('from_office', models.CharField(blank=True, max_length=30, verbose_name='移動元')),
                ('to_office', models.CharField(blank=True, max_length=30, verbose_name='移動先')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='理由・メモ')),
                ('task', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='assignments.task')),
            ],
            options={
                'db_table': 'assignments_task_event',
                'ordering': ['at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='CalendarDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='日付')),
                ('staff_on_duty', models.PositiveIntegerField(verbose_name='出勤職員数')),
                ('fixed_minutes', models.PositiveIntegerField(verbose_name='固定業務時間（分・1人あたり）')),
                ('counter_minutes', models.PositiveIntegerField(verbose_name='標準窓口処理時間（分）')),
                ('busy', models.DecimalField(decimal_places=1, default=1, max_digits=2, verbose_name='繁忙係数')),
                ('busy_proposed', models.DecimalField(decimal_places=1, default=1, max_digits=2, verbose_name='繁忙係数（提案値）')),
                ('released_minutes', models.PositiveIntegerField(default=0, verbose_name='短縮開庁で生じた時間（分）')),
                ('counter_count', models.PositiveIntegerField(blank=True, null=True, verbose_name='窓口処理件数（実績）')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='備考')),
                ('updated_by', models.CharField(blank=True, max_length=150)),
                ('office', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='days', to='assignments.office', verbose_name='庁舎')),
            ],
            options={
                'db_table': 'assignments_calendar_day',
                'ordering': ['day', 'office__code'],
                'constraints': [models.UniqueConstraint(fields=('office', 'day'), name='assignments_calendar_once'), models.CheckConstraint(condition=models.Q(('busy__gte', 1), ('busy__lte', 1.5)), name='assignments_busy_range')],
            },
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(fields=['status', 'office'], name='assignments_task_status'),
        ),
        migrations.AddConstraint(
            model_name='task',
            constraint=models.CheckConstraint(condition=models.Q(('minutes__gt', 0)), name='assignments_task_minutes'),
        ),
        migrations.AddConstraint(
            model_name='task',
            constraint=models.CheckConstraint(condition=models.Q(('status', 'received'), ('status', 'returned'), ('office__isnull', False), _connector='OR'), name='assignments_task_office_when_assigned'),
        ),
    ]
