from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "tenants.reference"
    label = "reference"
    verbose_name = "コード表"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import display
        from .models import ReferenceCode

        def forget(**_kwargs):  # this process reads the changed table at once; the others within a minute
            display.clear()

        post_save.connect(forget, sender=ReferenceCode, dispatch_uid="reference-display-clear-save")
        post_delete.connect(forget, sender=ReferenceCode, dispatch_uid="reference-display-clear-delete")
