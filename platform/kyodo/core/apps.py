from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kyodo.core"
    label = "core"
    verbose_name = "共通"

    def ready(self):
        # Resolve Celery's configuration once Django is ready. If the first use of the app is a
        # publish, celery 5.7 otherwise opens the producer connection with no URL (amqp://localhost).
        from kyodo.celery import app

        assert app.conf.broker_url
