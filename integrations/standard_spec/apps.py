from django.apps import AppConfig


class StandardSpecConfig(AppConfig):
    name = "integrations.standard_spec"
    label = "standard_spec"
    verbose_name = "標準レイアウト連携"
