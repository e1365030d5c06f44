"""Keycloak adapter: realm provisioning (python-keycloak admin API) and the embedded development IdP."""

from .provisioner import IdentityProvisioner, KeycloakProvisioner, NullProvisioner

PROVISIONERS: dict[str, type[IdentityProvisioner]] = {"null": NullProvisioner, "keycloak": KeycloakProvisioner}


def provisioner_from_settings() -> IdentityProvisioner:
    """The provisioner named by KYODO_IDENTITY_PROVISIONER (registry above, never ``if vendor == ...``)."""
    from django.conf import settings

    identity = settings.KYODO_IDENTITY
    cls = PROVISIONERS[identity.provisioner]
    if cls is KeycloakProvisioner:
        if not identity.keycloak_url or not identity.keycloak_admin_client_secret:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured("KYODO_KEYCLOAK_URL and KYODO_KEYCLOAK_ADMIN_CLIENT_SECRET are required")
        return KeycloakProvisioner(server_url=identity.keycloak_url, realm=identity.keycloak_realm,
                                   client_id=identity.keycloak_admin_client_id,
                                   client_secret=identity.keycloak_admin_client_secret)
    return cls()


__all__ = ["IdentityProvisioner", "KeycloakProvisioner", "NullProvisioner", "provisioner_from_settings"]
