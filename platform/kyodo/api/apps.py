from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kyodo.api"
    label = "api"
    verbose_name = "連携API"
