"""Brokering a town's or the prefecture's own SAML IdP (Shibboleth-style) through the Kyodo realm.

Keycloak is the only IdP Kyodo talks to; a SAML IdP is added to the realm as an identity provider, and
its group attribute (eduPersonEntitlement / isMemberOf values) is mapped onto the realm's town role groups
(``/towns/<code>/<role>``), which the portal then sees as the ``groups`` claim. Idempotent."""

from __future__ import annotations

import json
from dataclasses import dataclass

# eduPersonEntitlement; Shibboleth releases it as this OID with the urn:oid attribute name format
ENTITLEMENT = "urn:oid:1.3.6.1.4.1.5923.1.1.1.7"
EPPN = "urn:oid:1.3.6.1.4.1.5923.1.1.1.6"
MAIL = "urn:oid:0.9.2342.19200300.100.1.3"


@dataclass(frozen=True)
class SamlIdp:
    alias: str                  # e.g. "saga-pref" or "town-412066"
    display_name: str           # shown on Keycloak's login page: 「佐賀県 統合認証」
    entity_id: str              # the IdP's SAML entityID
    sso_url: str                # SingleSignOnService (HTTP-Redirect)
    slo_url: str                # SingleLogoutService
    signing_certificate: str    # base64 DER of the IdP's signing certificate (from its metadata)
    realm_entity_id: str        # the realm as SAML SP, e.g. https://sso.kyodo.example/realms/kyodo
    group_attribute: str = ENTITLEMENT


def saml_idp_representation(idp: SamlIdp) -> dict:
    return {
        "alias": idp.alias, "displayName": idp.display_name, "providerId": "saml", "enabled": True,
        "trustEmail": True, "storeToken": False, "firstBrokerLoginFlowAlias": "first broker login",
        "config": {
            "entityId": idp.realm_entity_id, "idpEntityId": idp.entity_id, "singleSignOnServiceUrl": idp.sso_url,
            "singleLogoutServiceUrl": idp.slo_url, "nameIDPolicyFormat":
                "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
            "principalType": "ATTRIBUTE", "principalAttribute": EPPN, "postBindingResponse": "true",
            "postBindingAuthnRequest": "true", "wantAssertionsSigned": "true", "validateSignature": "true",
            "signingCertificate": idp.signing_certificate, "syncMode": "FORCE",
        },
    }


def group_mapper_representation(idp: SamlIdp, value: str, group_path: str) -> dict:
    """Keycloak's "Advanced Attribute to Group" mapper: attribute value → realm group, re-applied at
    every login (syncMode FORCE), so a role withdrawn at the town's IdP is withdrawn here too."""
    return {
        "name": f"group {group_path}", "identityProviderAlias": idp.alias,
        "identityProviderMapper": "saml-advanced-group-idp-mapper",
        "config": {"syncMode": "FORCE", "are.attribute.values.regex": "false", "group": group_path,
                   "attributes": json.dumps([{"key": idp.group_attribute, "value": value}])},
    }


def saml_idp_ensure(admin, idp: SamlIdp, group_mappings: dict[str, str]) -> dict[str, int]:
    """Create or update the brokered SAML IdP and its mappers with python-keycloak's KeycloakAdmin.
    ``group_mappings``: attribute value → group path, e.g.
    {"urn:mace:pref.saga.jp:kyodo:412066:counter_clerk": "/towns/412066/counter_clerk"}."""
    wanted = saml_idp_representation(idp)
    if any(existing["alias"] == idp.alias for existing in admin.get_idps()):
        admin.update_idp(idp.alias, wanted)
    else:
        admin.create_idp(wanted)
    mappers = {m["name"] for m in admin.get_idp_mappers(idp.alias)}
    created = 0
    email = {"name": "email", "identityProviderAlias": idp.alias,
             "identityProviderMapper": "saml-user-attribute-idp-mapper",
             "config": {"syncMode": "FORCE", "attribute.name": MAIL, "user.attribute": "email"}}
    for mapper in [email, *(group_mapper_representation(idp, v, g) for v, g in sorted(group_mappings.items()))]:
        if mapper["name"] not in mappers:
            admin.add_mapper_to_idp(idp.alias, mapper)
            created += 1
    return {"mappers_created": created}
