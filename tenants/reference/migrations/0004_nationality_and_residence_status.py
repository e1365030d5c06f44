"""国籍・地域 and 在留資格 code tables (外国人住民, 標準仕様 1.1.2), loaded into every town."""

from django.db import migrations, models


def seed(apps, schema_editor):
    from tenants.reference.seed import rows

    ReferenceCode = apps.get_model("reference", "ReferenceCode")
    for row in rows():
        if row["code_type"] in ("nationality", "residence_status"):
            ReferenceCode.objects.update_or_create(code_type=row["code_type"], code=row["code"], defaults=row)


def unseed(apps, schema_editor):
    apps.get_model("reference", "ReferenceCode").objects.filter(
        code_type__in=("nationality", "residence_status"), standard=True).delete()


class Migration(migrations.Migration):
    dependencies = [('reference', '0003_more_change_reasons')]
    operations = [
        migrations.AlterField(
            model_name="referencecode", name="code_type",
            field=models.CharField(choices=[("relationship", "続柄"), ("change_reason", "異動事由"), ("sex", "性別"),
                                            ("era", "元号"), ("nationality", "国籍・地域"),
                                            ("residence_status", "在留資格")], max_length=30),
        ),
        migrations.RunPython(seed, unseed),
    ]
