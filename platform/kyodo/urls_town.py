"""URLs of a town's hosts: the staff portal."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from kyodo.core.views import healthz, portal_home

urlpatterns = [
    path("", portal_home, name="portal_home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz),
    path("residents/", include("tenants.residents.urls")),
]
