from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "tenants.reference"
    label = "reference"
    verbose_name = "コード表"
