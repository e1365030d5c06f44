"""URLs of a town's hosts: the staff portal, and every declared application at ``/<code>/``
(kyodo.registry). ``urlpatterns`` is computed on access so that the registry is the only list."""

from django.urls import URLPattern, URLResolver, clear_url_caches, include, path

from kyodo import registry
from kyodo.api.view import graphql_endpoint
from kyodo.core.inquiry import person_inquiry
from kyodo.core.views import portal_home
from kyodo.identity import views as identity_views

BASE = [
    path("", portal_home, name="portal_home"),
    path("accounts/login/", identity_views.login, name="login"),
    path("accounts/logout/", identity_views.logout, name="logout"),
    path("oidc/", include("kyodo.identity.urls")),
    path("graphql/", graphql_endpoint, name="graphql"),
    path("inquiry/persons/<str:pk>/", person_inquiry, name="inquiry_person"),
]


def _patterns() -> list[URLPattern | URLResolver]:
    return [*BASE, *(path(f"{app.code}/", include(app.urls)) for app in registry.applications() if app.urls)]


def __getattr__(name: str):
    if name == "urlpatterns":
        return _patterns()
    raise AttributeError(name)


registry.on_change(clear_url_caches)
