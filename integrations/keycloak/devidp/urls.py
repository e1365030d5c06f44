"""Keycloak-shaped URLs for django-oauth-toolkit's views: /realms/<realm>/protocol/openid-connect/..."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from oauth2_provider import views as dot

from .settings import REALM


class DiscoveryView(dot.ConnectDiscoveryInfoView):
    """DOT's discovery document plus the Keycloak entries a relying party looks for."""

    def get(self, request, *args, **kwargs):
        import json

        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data["introspection_endpoint"] = self._get_endpoint_url(request, "introspect", required=True)
        data["revocation_endpoint"] = self._get_endpoint_url(request, "revoke-token", required=True)
        data["grant_types_supported"] = ["authorization_code", "refresh_token", "client_credentials"]
        data["backchannel_logout_supported"] = False  # DOT does not send logout tokens (Keycloak does)
        response.content = json.dumps(data).encode()
        return response


class AuthorizationView(dot.AuthorizationView):
    """DOT's authorization endpoint, telling the validator who the browser's session user is (prompt=none)."""

    def dispatch(self, request, *args, **kwargs):
        from .validators import SESSION_USER

        token = SESSION_USER.set(request.user)
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            SESSION_USER.reset(token)


oidc = [
    path(".well-known/openid-configuration", DiscoveryView.as_view(), name="oidc-connect-discovery-info"),
    path("protocol/openid-connect/auth", AuthorizationView.as_view(), name="authorize"),
    path("protocol/openid-connect/token", dot.TokenView.as_view(), name="token"),
    path("protocol/openid-connect/token/introspect", dot.IntrospectTokenView.as_view(), name="introspect"),
    path("protocol/openid-connect/revoke", dot.RevokeTokenView.as_view(), name="revoke-token"),
    path("protocol/openid-connect/certs", dot.JwksInfoView.as_view(), name="jwks-info"),
    path("protocol/openid-connect/userinfo", dot.UserInfoView.as_view(), name="user-info"),
    path("protocol/openid-connect/logout", dot.RPInitiatedLogoutView.as_view(), name="rp-initiated-logout"),
]

urlpatterns = [
    path(f"realms/{REALM}/", include((oidc, "oauth2_provider"))),
    path(f"realms/{REALM}/login-actions/authenticate", auth_views.LoginView.as_view(), name="login"),
]
