from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "kyodo.identity"
    label = "identity"
    verbose_name = "職員・権限"
