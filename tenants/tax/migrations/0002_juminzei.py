
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tax', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='IncomeImport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('fiscal_year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('filename', models.CharField(max_length=200, verbose_name='ファイル名')),
                ('rows', models.PositiveIntegerField(verbose_name='件数')),
                ('imported_at', models.DateTimeField(auto_now_add=True, verbose_name='取込日時')),
                ('imported_by', models.CharField(max_length=150, verbose_name='取込者')),
            ],
            options={
                'db_table': 'tax_juminzei_income_import',
                'ordering': ['-imported_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='Assessment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('fiscal_year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('person_id', models.BigIntegerField(verbose_name='個人（住民記録）')),
                ('atena_number', models.CharField(max_length=12, verbose_name='宛名番号')),
                ('name', models.CharField(max_length=200, verbose_name='氏名')),
                ('is_current', models.BooleanField(default=True)),
                ('status', models.CharField(default='ok', max_length=20, verbose_name='状態')),
                ('reason', models.CharField(blank=True, max_length=300, verbose_name='計算できない理由')),
                ('salary_income', models.BigIntegerField(default=0, verbose_name='給与所得')),
                ('total_income', models.BigIntegerField(default=0, verbose_name='合計所得金額')),
                ('deductions', models.BigIntegerField(default=0, verbose_name='所得控除')),
                ('taxable_income', models.BigIntegerField(default=0, verbose_name='課税総所得金額')),
                ('city_adjustment', models.BigIntegerField(default=0, verbose_name='調整控除（市町村）')),
                ('prefecture_adjustment', models.BigIntegerField(default=0, verbose_name='調整控除（県）')),
                ('city_income_levy', models.BigIntegerField(default=0, verbose_name='所得割（市町村）')),
                ('prefecture_income_levy', models.BigIntegerField(default=0, verbose_name='所得割（県）')),
                ('city_per_capita', models.BigIntegerField(default=0, verbose_name='均等割（市町村）')),
                ('prefecture_per_capita', models.BigIntegerField(default=0, verbose_name='均等割（県）')),
                ('forest_environment_tax', models.BigIntegerField(default=0, verbose_name='森林環境税')),
                ('total', models.BigIntegerField(default=0, verbose_name='年税額')),
                ('exempt', models.CharField(blank=True, max_length=20, verbose_name='非課税')),
                ('collection', models.CharField(default='ordinary', max_length=20, verbose_name='徴収方法')),
                ('payer_number', models.CharField(blank=True, max_length=20, verbose_name='特別徴収義務者 指定番号')),
                ('payer_name', models.CharField(blank=True, max_length=100, verbose_name='特別徴収義務者名')),
                ('instalments', models.JSONField(default=list, verbose_name='期別')),
                ('explanation', models.JSONField(default=list, verbose_name='計算の内訳')),
                ('calculated_at', models.DateTimeField(verbose_name='計算日時')),
                ('calculated_by', models.CharField(max_length=150, verbose_name='計算者')),
                ('notice_no', models.CharField(blank=True, max_length=30, verbose_name='通知書番号')),
                ('issued_at', models.DateTimeField(blank=True, null=True, verbose_name='発付日時')),
                ('issued_by', models.CharField(blank=True, max_length=150, verbose_name='発付者')),
            ],
            options={
                'db_table': 'tax_juminzei_assessment',
                'ordering': ['fiscal_year', 'atena_number', '-pk'],
                'indexes': [models.Index(fields=['person_id', 'fiscal_year'], name='tax_jz_assessment_person')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('is_current', True)), fields=('fiscal_year', 'person_id'), name='tax_jz_assessment_current'), models.CheckConstraint(condition=models.Q(('total__gte', 0)), name='tax_jz_assessment_not_negative')],
            },
        ),
        migrations.CreateModel(
            name='Taxpayer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('fiscal_year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('person_id', models.BigIntegerField(verbose_name='個人（住民記録）')),
                ('atena_number', models.CharField(max_length=12, verbose_name='宛名番号')),
                ('name', models.CharField(max_length=200, verbose_name='氏名')),
                ('name_kana', models.CharField(blank=True, max_length=200, verbose_name='氏名カナ')),
                ('birth_date', models.DateField(verbose_name='生年月日')),
                ('address', models.CharField(max_length=200, verbose_name='住所（1月1日）')),
                ('katagaki', models.CharField(blank=True, max_length=100, verbose_name='方書（1月1日）')),
                ('household_id', models.BigIntegerField(verbose_name='世帯（1月1日）')),
                ('is_head', models.BooleanField(default=False, verbose_name='世帯主')),
                ('mail_address', models.CharField(max_length=200, verbose_name='送付先住所')),
                ('mail_katagaki', models.CharField(blank=True, max_length=100, verbose_name='送付先方書')),
                ('mail_changed_at', models.DateTimeField(blank=True, null=True, verbose_name='送付先の変更日時')),
                ('linked_at', models.DateTimeField(auto_now_add=True, verbose_name='抽出日時')),
                ('linked_by', models.CharField(max_length=150, verbose_name='抽出者')),
            ],
            options={
                'db_table': 'tax_juminzei_taxpayer',
                'ordering': ['fiscal_year', 'atena_number'],
                'indexes': [models.Index(fields=['fiscal_year', 'atena_number'], name='tax_jz_taxpayer_atena'), models.Index(fields=['person_id'], name='tax_jz_taxpayer_person')],
                'constraints': [models.UniqueConstraint(fields=('fiscal_year', 'person_id'), name='tax_jz_taxpayer_once')],
            },
        ),
        migrations.CreateModel(
            name='IncomeReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('fiscal_year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('person_id', models.BigIntegerField(verbose_name='個人（住民記録）')),
                ('atena_number', models.CharField(max_length=12, verbose_name='宛名番号')),
                ('kind', models.CharField(choices=[('salary', '給与支払報告書'), ('pension', '公的年金等支払報告書'), ('declaration', '申告')], max_length=20, verbose_name='種類')),
                ('payer_number', models.CharField(blank=True, max_length=20, verbose_name='特別徴収義務者 指定番号')),
                ('payer_name', models.CharField(blank=True, max_length=100, verbose_name='特別徴収義務者名')),
                ('salary_revenue', models.BigIntegerField(default=0, verbose_name='給与収入')),
                ('other_income', models.BigIntegerField(default=0, verbose_name='給与以外の所得')),
                ('social_insurance', models.BigIntegerField(default=0, verbose_name='社会保険料控除')),
                ('other_deductions', models.BigIntegerField(default=0, verbose_name='その他の所得控除')),
                ('dependants', models.JSONField(default=list, verbose_name='配偶者・扶養親族')),
                ('disabilities', models.JSONField(default=list, verbose_name='障害者控除')),
                ('flags', models.JSONField(default=list, verbose_name='本人の区分')),
                ('line', models.PositiveIntegerField(verbose_name='行')),
                ('source', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reports', to='tax.incomeimport', verbose_name='取込')),
            ],
            options={
                'db_table': 'tax_juminzei_income_report',
                'ordering': ['fiscal_year', 'person_id', 'kind', 'payer_number'],
                'indexes': [models.Index(fields=['fiscal_year', 'person_id'], name='tax_jz_income_person')],
                'constraints': [models.UniqueConstraint(fields=('fiscal_year', 'person_id', 'kind', 'payer_number'), name='tax_jz_income_once'), models.CheckConstraint(condition=models.Q(('salary_revenue__gte', 0), ('other_income__gte', 0), ('social_insurance__gte', 0), ('other_deductions__gte', 0)), name='tax_jz_income_not_negative')],
            },
        ),
    ]
