"""URLs of the public host: the consortium console (共同利用コンソール)."""

from django.urls import include, path
from django.views.generic import RedirectView

from kyodo.api.view import graphql_endpoint
from kyodo.identity import views as identity_views
from kyodo.observability.metrics import metrics_view

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="console:municipality_list", permanent=False)),
    path("console/", include("kyodo.console.urls")),
    path("accounts/login/", identity_views.login, name="login"),
    path("accounts/logout/", identity_views.logout, name="logout"),
    path("oidc/", include("kyodo.identity.urls")),
    path("metrics", metrics_view),
    path("graphql/", graphql_endpoint, name="graphql"),
]
