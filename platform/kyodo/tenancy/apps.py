from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "kyodo.tenancy"
    label = "tenancy"
    verbose_name = "団体管理"
