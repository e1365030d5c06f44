"""Keycloak adapter: realm provisioning (python-keycloak admin API) and the embedded development IdP."""

from .provisioner import DevIdpProvisioner, IdentityProvisioner, KeycloakProvisioner, NullProvisioner

PROVISIONERS: dict[str, type[IdentityProvisioner]] = {
    "null": NullProvisioner, "keycloak": KeycloakProvisioner, "devidp": DevIdpProvisioner,
}


def provisioner_from_settings() -> IdentityProvisioner:
    """The provisioner named by KYODO_IDENTITY_PROVISIONER (registry above, never ``if vendor == ...``);
    each class builds itself from settings.KYODO_IDENTITY (``from_config``)."""
    from django.conf import settings

    identity = settings.KYODO_IDENTITY
    return PROVISIONERS[identity.provisioner].from_config(identity)


__all__ = ["DevIdpProvisioner", "IdentityProvisioner", "KeycloakProvisioner", "NullProvisioner",
           "PROVISIONERS", "provisioner_from_settings"]
