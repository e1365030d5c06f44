from django.apps import AppConfig


class TenantLogConfig(AppConfig):
    name = "kyodo.tenantlog"
    label = "tenantlog"
    verbose_name = "監査ログ・イベント（団体別）"
