from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "kyodo.identity"
    label = "identity"
    verbose_name = "職員・権限"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .middleware import session_lifetime_start

        user_logged_in.connect(session_lifetime_start, dispatch_uid="kyodo.identity.session_lifetime_start")
