"""Django settings for Kyodo. Every value comes from kyodo.config (read once from the environment)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from . import registry
from .config import CONFIG, REPO_ROOT, SERVING

DEBUG = CONFIG.debug
SECRET_KEY = CONFIG.secret_key
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
BASE_DIR = REPO_ROOT


def _database_settings(url: str) -> dict:
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    host = parsed.hostname or query.get("host", [""])[0]
    return {
        "ENGINE": "django_tenants.postgresql_backend",
        "NAME": parsed.path.lstrip("/") or "postgres",
        "USER": parsed.username or "postgres",
        "PASSWORD": parsed.password or "",
        "HOST": host,
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 0,
        "TEST": {"NAME": f"test_kyodo_{(parsed.path.lstrip('/') or 'postgres')}"},
    }


if CONFIG.database_url:
    DATABASE_URL = CONFIG.database_url
else:
    from .embedded import postgres_url

    DATABASE_URL = postgres_url(CONFIG.state_dir)

DATABASES = {"default": _database_settings(DATABASE_URL)}
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- tenancy (django-tenants): one PostgreSQL schema per town -----------------------------------
SHARED_APPS = [
    "django_tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "kyodo.core",
    "kyodo.tenancy",
    "kyodo.identity",
    "kyodo.audit",
    "kyodo.console",
    "kyodo.backups",
    "kyodo.api",
    # Failed password logins, counted across every host: its tables live in the public schema only.
    "axes",
    "csp",
    "graphene_django",
    "integrations.standard_spec",
]
# Per-town tables: the records every application shares, then each declared town application
# (kyodo.registry: tenants/<app>/app.py) -- settings never name a town application.
TENANT_APPS = ["kyodo.tenantlog", *registry.django_apps()]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]
TENANT_MODEL = "tenancy.Municipality"
TENANT_DOMAIN_MODEL = "tenancy.TownHost"
PUBLIC_SCHEMA_URLCONF = "kyodo.urls_public"
# `SET search_path` once per connection and town instead of before every cursor (half of a small
# transaction's statements). Safe here: django-tenants forgets the cached path on set_tenant, close,
# rollback and savepoint rollback (a rolled-back SET is undone by PostgreSQL), and no code of ours
# sets the path by hand (tests/tenancy/test_search_path.py checks the path after a rollback).
TENANT_LIMIT_SET_CALLS = True
ROOT_URLCONF = "kyodo.urls_town"
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False
KYODO_TEMPLATE_SCHEMA = "kyodo_template"
KYODO_PROVISION_FROM_TEMPLATE = CONFIG.provision_from_template
KYODO_MIGRATE_PROCESSES = CONFIG.migrate_processes
KYODO_PUBLIC_HOST = CONFIG.public_host
KYODO_PUBLIC_HOSTS = {CONFIG.public_host, "127.0.0.1"}
KYODO_TOWN_HOST_SUFFIX = CONFIG.town_host_suffix

MIDDLEWARE = [
    # /healthz and /readyz answer before the host is checked or the town looked up (kyodo.core.health).
    "kyodo.core.health.HealthMiddleware",
    "kyodo.observability.middleware.RequestContextMiddleware",  # request id for every log line and response
    # Static files before the town is looked up: the same hashed files for every host (docs/ui.md).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kyodo.tenancy.middleware.TownMiddleware",
    "kyodo.observability.middleware.TownContextMiddleware",
    "kyodo.observability.metrics.MetricsMiddleware",  # latency per URL pattern and town
    "django.middleware.security.SecurityMiddleware",
    "kyodo.core.input.InputHygieneMiddleware",  # NUL, non-UTF-8, oversize input: 400 before anything reads it
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kyodo.identity.middleware.SessionLifetimeMiddleware",  # absolute and idle limits of a signed-in session
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx: answer a partial to htmx requests
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "kyodo.identity.middleware.TownAccessMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a locked-out login into the lockout page (429)
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kyodo.core.context_processors.kyodo",
                "kyodo.core.context_processors.navigation",
            ],
            # The Japanese display rules' filters (full_name, wareki, code_label …) on every page.
            "builtins": ["kyodo.core.templatetags.kyodo_display"],
        },
    },
]

WSGI_APPLICATION = "kyodo.wsgi.application"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Named URLs, so that redirects carry the path prefix of a prefix mount (FORCE_SCRIPT_NAME).
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# --- serving (docs/operations.md "Serving"): HTTPS, the reverse proxy, a path prefix, sessions ----------
SECURE_HSTS_SECONDS = SERVING.hsts_seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = SERVING.hsts_include_subdomains
SECURE_HSTS_PRELOAD = SERVING.hsts_preload
SECURE_SSL_REDIRECT = SERVING.ssl_redirect
# Only a proxy that sets X-Forwarded-Proto itself (and drops the client's) may be trusted with it.
if SERVING.trust_proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = SERVING.use_x_forwarded_host
FORCE_SCRIPT_NAME = SERVING.script_name
# The cookie lives at most the absolute limit; SessionLifetimeMiddleware ends a session sooner when it
# has been idle (counter terminals left signed in).
SESSION_COOKIE_AGE = SERVING.session_max_seconds
KYODO_SESSION_MAX_SECONDS = SERVING.session_max_seconds
KYODO_SESSION_IDLE_SECONDS = SERVING.session_idle_seconds

LANGUAGE_CODE = "ja"
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
# Relative, so that Django puts the path prefix (FORCE_SCRIPT_NAME) in front of it.
STATIC_URL = "static/"
STATIC_ROOT = str(CONFIG.state_dir / "static")
# WhiteNoise serves STATIC_ROOT with hashed names and far-future caching (kyodo.core.staticstorage);
# in a development run it also finds files in the apps' static/ folders without collectstatic.
from kyodo.core.staticstorage import storage_backend  # noqa: E402

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": storage_backend(STATIC_ROOT, debug=DEBUG, hashed=CONFIG.hashed_static)},
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- cache: keys always carry the town (django-tenants' key function prefixes the schema) ----------
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

# Celery is configured in kyodo/celery.py straight from kyodo.config.

# Every line carries the request (or task) id, the town and the principal (kyodo.observability); JSON lines
# unless KYODO_LOG_FORMAT=plain (the default in debug mode). docs/operations.md, "Logs".
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"work": {"()": "kyodo.observability.logs.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(town)s %(principal)s] %(message)s"},
        "json": {"()": "kyodo.observability.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": CONFIG.log_format,
                             "filters": ["work"]}},
    "root": {"handlers": ["console"], "level": CONFIG.log_level},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "pgserver": {"level": "WARNING"}},
}

# --- identity: OpenID Connect login against the Keycloak realm when KYODO_OIDC_ISSUER is set ---------------
from kyodo.identity.conf import oidc_django_settings  # noqa: E402

from .config import IDENTITY  # noqa: E402

KYODO_IDENTITY = IDENTITY

# --- the GraphQL API's limits and leaky bucket (kyodo.api; KYODO_API_* in docs/configuration.md) ----------
from .config import API  # noqa: E402

KYODO_API = API
globals().update(oidc_django_settings(issuer=IDENTITY.oidc_issuer, client_id=IDENTITY.oidc_client_id,
                                      client_secret=IDENTITY.oidc_client_secret,
                                      recheck_seconds=IDENTITY.oidc_recheck_seconds,
                                      silent_retry_seconds=IDENTITY.oidc_silent_retry_seconds))


# --- failed password logins (django-axes): the local password login only; with an identity provider
# Keycloak's brute-force detection does this (infra/keycloak/kyodo-realm.json) -----------------------------
from datetime import timedelta  # noqa: E402

AXES_ENABLED = not IDENTITY.oidc_issuer
if AXES_ENABLED:
    AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", *globals()["AUTHENTICATION_BACKENDS"]]
AXES_FAILURE_LIMIT = SERVING.login_failure_limit
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(seconds=SERVING.login_cooloff_seconds)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "identity/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False

# --- Content-Security-Policy (django-csp): nothing inline, nothing from another origin ------------------
from csp.constants import NONE, SELF  # noqa: E402

from kyodo.identity.conf import issuer_origin  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        # Signing out is a form POST answered by a redirect to the identity provider's logout endpoint.
        "form-action": [SELF, *([issuer_origin(IDENTITY.oidc_issuer)] if IDENTITY.oidc_issuer else [])],
    },
}
