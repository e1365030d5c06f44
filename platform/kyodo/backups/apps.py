from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "kyodo.backups"
    label = "backups"
    verbose_name = "バックアップ"
