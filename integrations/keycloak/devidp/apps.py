from django.apps import AppConfig


class DevIdpConfig(AppConfig):
    name = "integrations.keycloak.devidp"
    label = "devidp"
    verbose_name = "開発用 OpenID プロバイダ"
