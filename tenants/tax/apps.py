from django.apps import AppConfig


class TaxConfig(AppConfig):
    name = "tenants.tax"
    label = "tax"
    verbose_name = "税務"
