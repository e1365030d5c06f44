"""Add the 異動事由 codes of 再転入, 特例転入, 誤記修正 and 取消(増/減/修正) to existing towns
(provisional codes; see docs/residents.md)."""

from django.db import migrations

CODES = ("A05", "A06", "A07", "B05", "C08", "C09")


def seed(apps, schema_editor):
    from tenants.reference.seed import rows

    ReferenceCode = apps.get_model("reference", "ReferenceCode")
    for row in rows():
        if row["code_type"] == "change_reason" and row["code"] in CODES:
            ReferenceCode.objects.update_or_create(code_type=row["code_type"], code=row["code"], defaults=row)


def unseed(apps, schema_editor):
    apps.get_model("reference", "ReferenceCode").objects.filter(code_type="change_reason", code__in=CODES).delete()


class Migration(migrations.Migration):
    dependencies = [("reference", "0002_seed_standard_codes")]
    operations = [migrations.RunPython(seed, unseed)]
