"""Django settings for Kyodo. Every value comes from kyodo.config (read once from the environment)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from . import registry
from .config import CONFIG, REPO_ROOT

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
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx: answer a partial to htmx requests
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kyodo.identity.middleware.TownAccessMiddleware",
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
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LANGUAGE_CODE = "ja"
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
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
