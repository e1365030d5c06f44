from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    name = "tenants.residents"
    label = "residents"
    verbose_name = "住民記録"
