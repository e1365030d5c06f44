"""Brokering the prefecture's SAML IdP (Shibboleth) through the realm, against recorded Keycloak 26
admin-API exchanges: first run creates the IdP and its mappers, the second only updates the IdP."""

from __future__ import annotations

from integrations.keycloak.federation import SamlIdp, saml_idp_ensure

from .test_keycloak_provisioner import _provisioner, replay

SAGA = SamlIdp(alias="saga-pref", display_name="佐賀県 統合認証", entity_id="https://idp.pref.saga.example/idp/shibboleth",
               sso_url="https://idp.pref.saga.example/idp/profile/SAML2/Redirect/SSO",
               slo_url="https://idp.pref.saga.example/idp/profile/SAML2/Redirect/SLO",
               signing_certificate="MIICrecordedcertificate", realm_entity_id="https://sso.kyodo.example/realms/kyodo")
MAPPINGS = {"urn:mace:pref.saga.jp:kyodo:412066:counter_clerk": "/towns/412066/counter_clerk"}


def test_first_federation_creates_the_idp_and_its_group_mappers():
    mock, recording = replay("federation_saml_new.json")
    with mock:
        assert saml_idp_ensure(_provisioner(recording).admin, SAGA, MAPPINGS) == {"mappers_created": 2}


def test_federating_again_updates_the_idp_and_adds_no_mapper():
    mock, recording = replay("federation_saml_again.json")
    with mock:
        assert saml_idp_ensure(_provisioner(recording).admin, SAGA, MAPPINGS) == {"mappers_created": 0}
