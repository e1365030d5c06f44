"""Load the standard code tables into the town (and so into the template schema)."""

from django.db import migrations


def seed(apps, schema_editor):
    from tenants.reference.seed import rows

    ReferenceCode = apps.get_model("reference", "ReferenceCode")
    for row in rows():
        ReferenceCode.objects.update_or_create(code_type=row["code_type"], code=row["code"], defaults=row)


def unseed(apps, schema_editor):
    apps.get_model("reference", "ReferenceCode").objects.filter(standard=True).delete()


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
