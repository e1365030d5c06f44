
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tax', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='RegistryNoticeBatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('filename', models.CharField(max_length=200, verbose_name='ファイル名')),
                ('sha256', models.CharField(max_length=64)),
                ('layout', models.CharField(max_length=40, verbose_name='レイアウト')),
                ('notices', models.PositiveIntegerField(verbose_name='通知数')),
                ('imported_at', models.DateTimeField(auto_now_add=True)),
                ('imported_by', models.CharField(max_length=150)),
            ],
            options={
                'db_table': 'tax_kotei_notice_batch',
                'ordering': ['-imported_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='Parcel',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('land', '土地'), ('building', '家屋')], max_length=10, verbose_name='土地・家屋')),
                ('location', models.CharField(max_length=200, verbose_name='所在')),
                ('number', models.CharField(max_length=40, verbose_name='地番・家屋番号')),
                ('category', models.CharField(max_length=2, verbose_name='地目・種類')),
                ('area', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='地積・床面積（㎡）')),
                ('value', models.PositiveBigIntegerField(verbose_name='評価額')),
                ('previous_base', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='前年度課税標準額')),
                ('housing_area', models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name='住宅用地の面積（㎡）')),
                ('dwellings', models.PositiveSmallIntegerField(default=0, verbose_name='住宅の戸数')),
                ('new_housing_first_year', models.PositiveIntegerField(blank=True, null=True, verbose_name='新築住宅減額の初年度')),
                ('new_housing_area', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='居住部分の床面積（㎡）')),
                ('new_housing_midrise', models.BooleanField(default=False, verbose_name='中高層耐火建築物')),
                ('status', models.CharField(choices=[('active', '現存'), ('lost', '滅失・閉鎖')], default='active', max_length=10, verbose_name='状態')),
                ('registered_on', models.DateField(blank=True, null=True, verbose_name='登記年月日')),
                ('lost_on', models.DateField(blank=True, null=True, verbose_name='滅失・閉鎖の日')),
                ('origin', models.CharField(blank=True, max_length=80, verbose_name='発生元')),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'db_table': 'tax_kotei_parcel',
                'ordering': ['kind', 'location', 'number'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'active')), fields=('kind', 'location', 'number'), name='tax_kotei_parcel_active_once'), models.CheckConstraint(condition=models.Q(('area__gt', 0)), name='tax_kotei_parcel_area_positive')],
            },
        ),
        migrations.CreateModel(
            name='PropertyAssessment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('fiscal_year', models.PositiveIntegerField(verbose_name='年度')),
                ('taxpayer_key', models.CharField(max_length=500, verbose_name='納税義務者のキー')),
                ('person_id', models.BigIntegerField(blank=True, null=True, verbose_name='代表者（住民記録）')),
                ('atena_number', models.CharField(blank=True, max_length=12, verbose_name='宛名番号')),
                ('corporate_number', models.CharField(blank=True, max_length=13, verbose_name='法人番号')),
                ('name', models.CharField(max_length=300, verbose_name='納税義務者名')),
                ('co_owners', models.PositiveSmallIntegerField(default=1, verbose_name='共有者数')),
                ('parcels', models.PositiveIntegerField(verbose_name='物件数')),
                ('land_base', models.PositiveBigIntegerField(default=0, verbose_name='土地の課税標準額')),
                ('land_tax', models.PositiveBigIntegerField(default=0, verbose_name='土地の税額')),
                ('land_exempt', models.BooleanField(default=False, verbose_name='土地免税点未満')),
                ('building_base', models.PositiveBigIntegerField(default=0, verbose_name='家屋の課税標準額')),
                ('building_tax', models.PositiveBigIntegerField(default=0, verbose_name='家屋の税額')),
                ('building_exempt', models.BooleanField(default=False, verbose_name='家屋免税点未満')),
                ('reduction', models.PositiveBigIntegerField(default=0, verbose_name='減額税額')),
                ('total', models.PositiveBigIntegerField(default=0, verbose_name='年税額')),
                ('lines', models.JSONField(default=list, verbose_name='課税明細')),
                ('rate', models.CharField(max_length=10, verbose_name='税率')),
                ('unsupported', models.CharField(blank=True, max_length=300, verbose_name='計算対象外の理由')),
                ('is_current', models.BooleanField(default=True)),
                ('calculated_at', models.DateTimeField(auto_now_add=True)),
                ('calculated_by', models.CharField(max_length=150)),
                ('notice_no', models.CharField(blank=True, max_length=30, verbose_name='通知書番号')),
                ('signature', models.CharField(blank=True, max_length=32, verbose_name='内容の要約値')),
            ],
            options={
                'db_table': 'tax_kotei_assessment',
                'ordering': ['fiscal_year', 'taxpayer_key', 'pk'],
                'indexes': [models.Index(fields=['person_id', 'fiscal_year'], name='tax_kotei_assess_person')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('is_current', True)), fields=('fiscal_year', 'taxpayer_key'), name='tax_kotei_assessment_current_once')],
            },
        ),
        migrations.CreateModel(
            name='RegistryNotice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('transfer', '所有権移転'), ('new_building', '家屋の新築'), ('subdivision', '分筆'), ('merger', '合筆'), ('category_change', '地目変更'), ('loss', '滅失')], max_length=20, verbose_name='登記の種類')),
                ('receipt_no', models.CharField(max_length=20, verbose_name='受付番号')),
                ('registered_on', models.DateField(verbose_name='登記年月日')),
                ('lines', models.JSONField(default=list, verbose_name='ファイルの行')),
                ('parcel_ids', models.JSONField(default=list, verbose_name='対象物件')),
                ('values', models.JSONField(default=dict, verbose_name='登記の内容')),
                ('work_item_id', models.BigIntegerField(blank=True, null=True, verbose_name='作業')),
                ('batch', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='items', to='tax.registrynoticebatch', verbose_name='取込')),
            ],
            options={
                'db_table': 'tax_kotei_notice',
                'ordering': ['batch_id', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Ownership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('person_id', models.BigIntegerField(blank=True, null=True, verbose_name='所有者（住民記録）')),
                ('atena_number', models.CharField(blank=True, max_length=12, verbose_name='宛名番号')),
                ('corporate_number', models.CharField(blank=True, max_length=13, verbose_name='法人番号')),
                ('name', models.CharField(max_length=200, verbose_name='所有者名')),
                ('share_numerator', models.PositiveIntegerField(default=1, verbose_name='持分（分子）')),
                ('share_denominator', models.PositiveIntegerField(default=1, verbose_name='持分（分母）')),
                ('is_representative', models.BooleanField(default=False, verbose_name='代表者')),
                ('manager_person_id', models.BigIntegerField(blank=True, null=True, verbose_name='納税管理人（住民記録）')),
                ('manager_name', models.CharField(blank=True, max_length=200, verbose_name='納税管理人の氏名')),
                ('manager_address', models.CharField(blank=True, max_length=300, verbose_name='納税管理人の住所')),
                ('valid_from', models.DateField(verbose_name='取得日')),
                ('valid_until', models.DateField(blank=True, null=True, verbose_name='喪失日')),
                ('source', models.CharField(blank=True, max_length=80, verbose_name='発生元')),
                ('parcel', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='ownerships', to='tax.parcel', verbose_name='物件')),
            ],
            options={
                'db_table': 'tax_kotei_ownership',
                'ordering': ['parcel_id', 'valid_from', 'pk'],
                'indexes': [models.Index(fields=['person_id'], name='tax_kotei_owner_person'), models.Index(fields=['corporate_number'], name='tax_kotei_owner_corporation'), models.Index(fields=['parcel', 'valid_until'], name='tax_kotei_owner_current')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('corporate_number', ''), ('person_id__isnull', False)), models.Q(('person_id__isnull', True), models.Q(('corporate_number', ''), _negated=True)), _connector='OR'), name='tax_kotei_ownership_one_owner'), models.CheckConstraint(condition=models.Q(('share_denominator__gt', 0), ('share_numerator__gt', 0), ('share_numerator__lte', models.F('share_denominator'))), name='tax_kotei_ownership_share')],
            },
        ),
    ]
