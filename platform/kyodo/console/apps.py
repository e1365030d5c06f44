from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "kyodo.console"
    label = "console"
    verbose_name = "共同利用コンソール"
