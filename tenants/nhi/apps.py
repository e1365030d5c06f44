from django.apps import AppConfig


class NhiConfig(AppConfig):
    name = "tenants.nhi"
    label = "nhi"
    verbose_name = "国民健康保険"
