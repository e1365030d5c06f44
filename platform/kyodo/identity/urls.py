"""OpenID Connect endpoints of every host (each town host is its own redirect URI)."""

from django.urls import path

from . import views

urlpatterns = [
    path("authenticate/", views.authenticate, name="oidc_authentication_init"),
    path("callback/", views.callback, name="oidc_authentication_callback"),
    path("backchannel-logout/", views.backchannel_logout, name="oidc_backchannel_logout"),
]
