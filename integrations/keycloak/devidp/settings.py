"""Settings of the development OpenID provider (django-oauth-toolkit in OIDC mode), a separate Django
project with its own SQLite database. Its endpoints have Keycloak's shape (``/realms/<realm>/...``) so
that pointing ``KYODO_OIDC_ISSUER`` at a real Keycloak is the only change. Never used in production."""

from __future__ import annotations

import os
from pathlib import Path

STATE_DIR = Path(os.environ["KYODO_DEVIDP_STATE"])
REALM = os.environ.get("KYODO_DEVIDP_REALM", "kyodo")
ISSUER = os.environ["KYODO_DEVIDP_ISSUER"]
KEY_DIR = STATE_DIR / "keys"

DEBUG = False
SECRET_KEY = (STATE_DIR / "django_secret").read_text().strip()
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
ROOT_URLCONF = "integrations.keycloak.devidp.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "oauth2_provider",
    "integrations.keycloak.devidp",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
    ]},
}]
# Many sign-ins at once (the load benchmark, a class of staff at 8:30): write-ahead logging lets readers
# go on beside the one writer, and IMMEDIATE transactions take the write lock at BEGIN, so a reader that
# later writes waits its turn (up to ``timeout``) instead of failing with "database is locked".
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(STATE_DIR / "idp.sqlite3"),
                         "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE",
                                     "init_command": "PRAGMA journal_mode=WAL;"}}}
if os.environ.get("KYODO_DEVIDP_PBKDF2_ITERATIONS"):  # the load benchmark (devidp/hashers.py says why)
    PASSWORD_HASHERS = ["integrations.keycloak.devidp.hashers.ConfiguredPBKDF2PasswordHasher",
                        "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LANGUAGE_CODE = "ja"
# The IdP shares 127.0.0.1 with Kyodo's console host; cookies ignore ports, so the names differ.
SESSION_COOKIE_NAME = "KEYCLOAK_SESSION"
CSRF_COOKIE_NAME = "KEYCLOAK_CSRF"
LOGIN_URL = f"/realms/{REALM}/login-actions/authenticate"


def _keys() -> tuple[str, list[str]]:
    active = (KEY_DIR / "active.pem").read_text()
    inactive = [p.read_text() for p in sorted(KEY_DIR.glob("inactive-*.pem"))]
    return active, inactive


_ACTIVE_KEY, _INACTIVE_KEYS = _keys()
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RSA_PRIVATE_KEY": _ACTIVE_KEY,
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": _INACTIVE_KEYS,
    "PKCE_REQUIRED": True,
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "OAUTH2_VALIDATOR_CLASS": "integrations.keycloak.devidp.validators.KeycloakShapedValidator",
    "SCOPES_BACKEND_CLASS": "integrations.keycloak.devidp.validators.RealmScopes",
    # Keycloak's defaults: 5-minute access tokens, refresh tokens bound to the SSO session.
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(os.environ.get("KYODO_DEVIDP_ACCESS_TOKEN_SECONDS", "300")),
    "ID_TOKEN_EXPIRE_SECONDS": int(os.environ.get("KYODO_DEVIDP_ACCESS_TOKEN_SECONDS", "300")),
    "REFRESH_TOKEN_EXPIRE_SECONDS": 1800,
    "ROTATE_REFRESH_TOKEN": True,
}
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "handlers": {"console": {"class": "logging.StreamHandler"}},
           "root": {"handlers": ["console"], "level": "WARNING"}}
