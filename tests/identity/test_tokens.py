"""ID-token and logout-token validation against the IdP's published keys (JWKS fetched over HTTP):
tokens signed by the IdP's real key but wrong in one claim, and tokens not signed by it at all."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK

from integrations.keycloak.devidp import PORTAL_CLIENT_ID
from kyodo.identity.oidc import TokenInvalid, logout_token_verify, token_verify

pytestmark = pytest.mark.django_db


def _kid(pem: str) -> str:
    return JWK.from_pem(pem.encode()).thumbprint()


def _claims(idp, **overrides):
    now = int(time.time())
    claims = {"iss": idp.issuer, "aud": PORTAL_CLIENT_ID, "sub": "7", "iat": now, "exp": now + 300,
              "nonce": "n-1", "auth_time": now}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(idp, claims, *, pem=None, kid=None, alg="RS256"):
    pem = pem or idp.private_key_pem()
    return jwt.encode(claims, pem, algorithm=alg, headers={"kid": kid or _kid(idp.private_key_pem())})


def _other_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def test_a_token_signed_by_the_realm_with_correct_claims_is_accepted(oidc_settings, idp):
    assert token_verify(_sign(idp, _claims(idp)), nonce="n-1")["sub"] == "7"


@pytest.mark.parametrize("change, reason", [
    ({"exp": int(time.time()) - 120}, "expired"),
    ({"aud": "another-client"}, "audience"),
    ({"iss": "http://127.0.0.1:1/realms/other"}, "issuer"),
    ({"exp": None}, "exp"),
    ({"nonce": "replayed"}, "nonce"),
    ({"aud": [PORTAL_CLIENT_ID, "other"], "azp": "other"}, "azp"),
])
def test_a_realm_signed_token_wrong_in_one_claim_is_refused(oidc_settings, idp, change, reason):
    with pytest.raises(TokenInvalid):
        token_verify(_sign(idp, _claims(idp, **change)), nonce="n-1")


def test_a_forged_signature_with_the_realms_key_id_is_refused(oidc_settings, idp):
    with pytest.raises(TokenInvalid, match="token rejected"):
        token_verify(_sign(idp, _claims(idp), pem=_other_key_pem()), nonce="n-1")


def test_a_token_with_an_unknown_key_id_is_refused(oidc_settings, idp):
    other = _other_key_pem()
    with pytest.raises(TokenInvalid, match="unknown signing key"):
        token_verify(_sign(idp, _claims(idp), pem=other, kid=_kid(other)), nonce="n-1")


def test_unsigned_and_symmetric_tokens_are_refused(oidc_settings, idp):
    unsigned = jwt.encode(_claims(idp), None, algorithm="none")
    hs256 = jwt.encode(_claims(idp), "portal-test-secret-not-for-production", algorithm="HS256")
    for token in (unsigned, hs256, "not-a-jwt"):
        with pytest.raises(TokenInvalid):
            token_verify(token, nonce="n-1")


def _logout_claims(idp, **overrides):
    claims = _claims(idp, nonce=None, jti="j-1",
                     events={"http://schemas.openid.net/event/backchannel-logout": {}})
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def test_logout_token_rules(oidc_settings, idp):
    assert logout_token_verify(_sign(idp, _logout_claims(idp)))["sub"] == "7"
    for bad in (_logout_claims(idp, events=None), _logout_claims(idp, nonce="n"),
                _logout_claims(idp, sub=None), _logout_claims(idp, aud="other")):
        with pytest.raises(TokenInvalid):
            logout_token_verify(_sign(idp, bad))
    with pytest.raises(TokenInvalid):
        logout_token_verify(_sign(idp, _logout_claims(idp), pem=_other_key_pem()))
