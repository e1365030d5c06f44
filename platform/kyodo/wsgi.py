"""WSGI entry point."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyodo.settings")
application = get_wsgi_application()


def _warm() -> None:
    """Build what the first request would otherwise build (the GraphQL schema, every application's
    URLs: about 0.8 s), while the worker boots and before it accepts connections: a worker that
    gunicorn replaces (``max_requests``) no longer makes one unlucky request wait for it."""
    import kyodo.urls_public
    import kyodo.urls_town
    from kyodo.api.schema import schema

    schema()
    kyodo.urls_town.urlpatterns  # computed on access: imports every application's views  # noqa: B018
    kyodo.urls_public.urlpatterns  # noqa: B018


_warm()
