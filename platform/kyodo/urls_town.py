"""URLs of a town's hosts: the staff portal."""

from django.urls import include, path

from kyodo.core.views import healthz, portal_home
from kyodo.identity import views as identity_views

urlpatterns = [
    path("", portal_home, name="portal_home"),
    path("accounts/login/", identity_views.login, name="login"),
    path("accounts/logout/", identity_views.logout, name="logout"),
    path("oidc/", include("kyodo.identity.urls")),
    path("healthz", healthz),
    path("residents/", include("tenants.residents.urls")),
]
