

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tax', '0002_hojin'),
        ('tax', '0002_juminzei'),
        ('tax', '0002_kotei'),
    ]

    operations = [
    ]
