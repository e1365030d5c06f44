"""Configuration read once from the environment (every variable is documented in docs/configuration.md)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


def _env(name: str, default: str | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    value = (os.environ if environ is None else environ).get(name)
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def secret(name: str, state_dir: Path, debug: bool, environ: Mapping[str, str] | None = None) -> str:
    """A secret comes from NAME, or from the file named by NAME_FILE; in debug/demo mode only,
    a random one is generated once into the state directory (outside version control)."""
    value = _env(name, environ=environ)
    if value:
        return value
    file_name = _env(f"{name}_FILE", environ=environ)
    if file_name:
        return Path(file_name).read_text().strip()
    if not debug:
        raise RuntimeError(f"{name} (or {name}_FILE) must be set when KYODO_DEBUG is off")
    return state_secret(state_dir, name.lower())


def state_secret(state_dir: Path, name: str, nbytes: int = 48) -> str:
    """A random secret generated once into ``state_dir/secrets/<name>`` (mode 0600, never committed):
    development keys, the demo password, the demo IdP's client secret."""
    path = state_dir / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(secrets.token_urlsafe(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Config:
    debug: bool
    state_dir: Path
    database_url: str | None
    redis_url: str | None
    secret_key: str
    allowed_hosts: tuple[str, ...]
    public_host: str
    town_host_suffix: str
    celery_eager: bool
    celery_queue: str
    celery_visibility_timeout: int
    provision_from_template: bool
    migrate_processes: int
    log_level: str
    hashed_static: bool = False
    log_format: str = "json"  # json (one object per line) or plain
    metrics_token: str = ""  # the operator's bearer token for /metrics; empty: /metrics is off

    @classmethod
    def from_environ(cls) -> Config:
        # Production is the default: debug (generated secrets, plain-http cookies, Django's debug pages) only
        # when asked for, by scripts/test.sh, scripts/demo.sh, `kyodo demo` and the benchmarks.
        debug = _env_bool("KYODO_DEBUG", False)
        state_dir = Path(_env("KYODO_STATE_DIR") or REPO_ROOT / "var")
        return cls(
            debug=debug,
            state_dir=state_dir,
            database_url=_env("DATABASE_URL"),
            redis_url=_env("REDIS_URL"),
            secret_key=secret("KYODO_SECRET_KEY", state_dir, debug),
            allowed_hosts=tuple(
                h.strip() for h in (_env("KYODO_ALLOWED_HOSTS", ".localhost,localhost,127.0.0.1") or "").split(",")
                if h.strip()
            ),
            public_host=_env("KYODO_PUBLIC_HOST", "localhost") or "localhost",
            town_host_suffix=_env("KYODO_TOWN_HOST_SUFFIX", ".localhost") or ".localhost",
            celery_eager=_env_bool("KYODO_CELERY_EAGER", False),
            celery_queue=_env("KYODO_CELERY_QUEUE", "celery") or "celery",
            # Seconds before the Redis broker hands an unacknowledged task (its worker died) to
            # another worker; kombu's default, an hour. Longer than any task's run.
            celery_visibility_timeout=int(_env("KYODO_CELERY_VISIBILITY_TIMEOUT", "3600") or 3600),
            provision_from_template=_env_bool("KYODO_PROVISION_FROM_TEMPLATE", True),
            migrate_processes=int(_env("KYODO_MIGRATE_PROCESSES", str(min(4, os.cpu_count() or 1))) or 1),
            log_level=_env("KYODO_LOG_LEVEL", "INFO") or "INFO",
            # Static files under hashed names (collectstatic's manifest) also in debug mode: the demo.
            hashed_static=_env_bool("KYODO_HASHED_STATIC", False),
            # JSON lines for the log collector; plain text is easier to read at a developer's terminal.
            log_format=_log_format(_env("KYODO_LOG_FORMAT", "plain" if debug else "json")),
            metrics_token=_optional_secret("KYODO_METRICS_TOKEN"),
        )


def _optional_secret(name: str) -> str:
    """NAME, or the contents of the file named by NAME_FILE, or empty."""
    value = _env(name)
    if not value and _env(f"{name}_FILE"):
        value = Path(_env(f"{name}_FILE") or "").read_text(encoding="utf-8").strip()
    return value or ""


def _log_format(value: str | None) -> str:
    value = (value or "json").strip().lower()
    if value not in ("json", "plain"):
        raise RuntimeError(f"KYODO_LOG_FORMAT must be json or plain, not {value!r}")
    return value


CONFIG = Config.from_environ()


@dataclass(frozen=True)
class IdentityConfig:
    """Identity: OpenID Connect login against a Keycloak realm and Keycloak provisioning.
    With KYODO_OIDC_ISSUER unset, staff sign in with Django passwords (development fallback)."""

    oidc_issuer: str | None
    oidc_client_id: str
    oidc_client_secret: str | None
    oidc_recheck_seconds: int
    oidc_silent_retry_seconds: int
    provisioner: str
    keycloak_url: str | None
    keycloak_realm: str
    keycloak_admin_client_id: str
    keycloak_admin_client_secret: str | None
    public_url_template: str
    devidp_state_dir: str | None

    @classmethod
    def from_environ(cls, base: Config) -> IdentityConfig:
        issuer = (_env("KYODO_OIDC_ISSUER") or "").rstrip("/") or None
        keycloak_url = _env("KYODO_KEYCLOAK_URL")
        # Secrets shared with the identity provider can never be generated locally: debug=False makes
        # secret insist on KYODO_..._SECRET or KYODO_..._SECRET_FILE.
        return cls(
            oidc_issuer=issuer,
            oidc_client_id=_env("KYODO_OIDC_CLIENT_ID", "kyodo-portal") or "kyodo-portal",
            oidc_client_secret=secret("KYODO_OIDC_CLIENT_SECRET", base.state_dir, False) if issuer else None,
            oidc_recheck_seconds=int(_env("KYODO_OIDC_RECHECK_SECONDS", "60") or 60),
            # Silent sign-in (prompt=none) at most once per this many seconds per browser and host; 0 = off.
            oidc_silent_retry_seconds=int(_env("KYODO_OIDC_SILENT_RETRY_SECONDS", "60") or 60),
            provisioner=_env("KYODO_IDENTITY_PROVISIONER", "keycloak" if keycloak_url else "null") or "null",
            keycloak_url=keycloak_url,
            keycloak_realm=_env("KYODO_KEYCLOAK_REALM", "kyodo") or "kyodo",
            keycloak_admin_client_id=_env("KYODO_KEYCLOAK_ADMIN_CLIENT_ID", "kyodo-provisioner") or "kyodo-provisioner",
            keycloak_admin_client_secret=(
                secret("KYODO_KEYCLOAK_ADMIN_CLIENT_SECRET", base.state_dir, False) if keycloak_url else None
            ),
            # The one scheme rule for the URLs registered at the IdP (redirect and post-logout URIs per town
            # host): https, except in debug/demo mode where the portal is served over plain http.
            public_url_template=(_env("KYODO_PUBLIC_URL_TEMPLATE")
                                 or ("http://{host}" if base.debug else "https://{host}")),
            devidp_state_dir=_env("KYODO_DEVIDP_STATE_DIR"),
        )


IDENTITY = IdentityConfig.from_environ(CONFIG)


@dataclass(frozen=True)
class RelayConfig:
    """The outbox relay (docs/events.md): batch size, retries before an event is parked, back-off."""

    batch: int
    max_failures: int
    backoff_seconds: float
    backoff_max_seconds: float
    sweep_seconds: float

    @classmethod
    def from_environ(cls) -> RelayConfig:
        return cls(
            batch=max(1, int(_env("KYODO_RELAY_BATCH", "500") or 500)),
            max_failures=max(1, int(_env("KYODO_RELAY_MAX_FAILURES", "5") or 5)),
            backoff_seconds=float(_env("KYODO_RELAY_BACKOFF_SECONDS", "2") or 2),
            backoff_max_seconds=float(_env("KYODO_RELAY_BACKOFF_MAX_SECONDS", "300") or 300),
            sweep_seconds=float(_env("KYODO_RELAY_SWEEP_SECONDS", "15") or 15),
        )


RELAY = RelayConfig.from_environ()


@dataclass(frozen=True)
class BackupConfig:
    """Backups (docs/backups.md): the three stores, retention, chunk size and the signing key.
    Read at start like everything here; ``kyodo.backups.conf`` only reads this object."""

    stores: Mapping[str, Any]  # store name → integrations.objectstore.StoreConfig
    retention_days: int
    retention_days_by_town: Mapping[str, int]  # KYODO_BACKUP_RETENTION_DAYS_<団体コード>
    chunk_bytes: int
    # Read with the stores (a backup or a restore needs both) or in debug mode (generated there);
    # None otherwise, so that a process that never backs up needs no key.
    signing_key: str | None = field(default=None, repr=False)

    DEFAULT_RETENTION_DAYS = 35
    DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024

    @classmethod
    def from_environ(cls, base: Config, environ: Mapping[str, str] | None = None) -> BackupConfig:
        from integrations.objectstore import store_configs_from_env

        env = os.environ if environ is None else environ
        stores = store_configs_from_env(env)
        prefix = "KYODO_BACKUP_RETENTION_DAYS_"
        by_town = {name[len(prefix):]: _positive_int(name, value) for name, value in env.items()
                   if name.startswith(prefix) and value not in (None, "")}
        return cls(
            stores=stores,
            retention_days=_positive_int("KYODO_BACKUP_RETENTION_DAYS",
                                         _env("KYODO_BACKUP_RETENTION_DAYS", environ=env)
                                         or str(cls.DEFAULT_RETENTION_DAYS)),
            retention_days_by_town=by_town,
            chunk_bytes=_positive_int("KYODO_BACKUP_CHUNK_BYTES", _env("KYODO_BACKUP_CHUNK_BYTES", environ=env)
                                      or str(cls.DEFAULT_CHUNK_BYTES)),
            signing_key=(secret("KYODO_BACKUP_SIGNING_KEY", base.state_dir, base.debug, env)
                         if stores or base.debug else None),
        )

    def retention_for(self, town_code: str) -> timedelta:
        """Object Lock retention of a town's backup objects: its own override, else the default."""
        return timedelta(days=self.retention_days_by_town.get(town_code, self.retention_days))


@dataclass(frozen=True)
class ApiConfig:
    """Limits of the vendor GraphQL API (docs/configuration.md, ``kyodo.api.limits``): the static checks
    of one query and the leaky bucket of query cost per vendor client and town."""

    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    max_cost: int = 1000
    max_page: int = 250
    default_page: int = 50
    max_nodes: int = 50_000
    max_body_bytes: int = 64 * 1024
    bucket_size: int = 1000
    restore_rate: float = 50.0

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> ApiConfig:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in ("max_depth", "max_aliases", "max_tokens", "max_cost", "max_page", "default_page",
                     "max_nodes", "max_body_bytes", "bucket_size"):
            variable = f"KYODO_API_{name.upper()}"
            raw = _env(variable, environ=env)
            if raw is not None:
                values[name] = _positive_int(variable, raw)
        raw_rate = _env("KYODO_API_RESTORE_RATE", environ=env)
        if raw_rate is not None:
            try:
                values["restore_rate"] = float(raw_rate) if raw_rate.strip().isascii() else 0.0
            except ValueError:
                values["restore_rate"] = 0.0
            if not values["restore_rate"] > 0 or values["restore_rate"] == float("inf"):
                raise ValueError(f"KYODO_API_RESTORE_RATE must be a positive number (got {raw_rate!r})")
        config = cls(**values)
        # A query the static check lets through must be able to fit in a full bucket, and the default
        # page must itself be a page the API accepts.
        if config.max_cost > config.bucket_size:
            raise ValueError(f"KYODO_API_MAX_COST ({config.max_cost}) must not exceed KYODO_API_BUCKET_SIZE "
                             f"({config.bucket_size})")
        if config.default_page > config.max_page:
            raise ValueError(f"KYODO_API_DEFAULT_PAGE ({config.default_page}) must not exceed "
                             f"KYODO_API_MAX_PAGE ({config.max_page})")
        return config


def _positive_int(name: str, value: str) -> int:
    number = int(value) if value.strip().isascii() and value.strip().isdigit() else 0
    if number < 1:
        raise ValueError(f"{name} must be a positive whole number (got {value!r})")
    return number


BACKUPS = BackupConfig.from_environ(CONFIG)
API = ApiConfig.from_environ()


def _env_seconds(name: str, default: int, environ: Mapping[str, str]) -> int:
    raw = _env(name, environ=environ)
    if raw is None:
        return default
    value = raw.strip()
    if not (value.isascii() and value.isdigit()):
        raise ValueError(f"{name} must be a whole number of seconds (got {raw!r})")
    return int(value)


def _env_flag(name: str, default: bool, environ: Mapping[str, str]) -> bool:
    value = _env(name, environ=environ)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class ServingConfig:
    """How the web process is served (docs/operations.md "Serving"): HTTPS rules, the reverse proxy,
    a path prefix, sessions of counter terminals and failed-login throttling."""

    hsts_seconds: int
    hsts_include_subdomains: bool
    hsts_preload: bool
    ssl_redirect: bool
    trust_proxy_ssl_header: bool
    use_x_forwarded_host: bool
    script_name: str | None
    session_max_seconds: int
    session_idle_seconds: int
    login_failure_limit: int
    login_cooloff_seconds: int

    @classmethod
    def from_environ(cls, base: Config, environ: Mapping[str, str] | None = None) -> ServingConfig:
        env = os.environ if environ is None else environ
        script_name = (_env("KYODO_SCRIPT_NAME", environ=env) or "").strip().rstrip("/") or None
        if script_name is not None and (not script_name.startswith("/") or not script_name.isascii()
                                        or any(c in script_name for c in "?#% ")):
            raise ValueError(f"KYODO_SCRIPT_NAME must be an ASCII path such as /kyodo (got {script_name!r})")
        config = cls(
            # A year of HSTS in production; none in debug, where the portal is plain http.
            hsts_seconds=_env_seconds("KYODO_HSTS_SECONDS", 0 if base.debug else 31_536_000, env),
            hsts_include_subdomains=_env_flag("KYODO_HSTS_INCLUDE_SUBDOMAINS", False, env),
            hsts_preload=_env_flag("KYODO_HSTS_PRELOAD", False, env),
            ssl_redirect=_env_flag("KYODO_SSL_REDIRECT", False, env),
            trust_proxy_ssl_header=_env_flag("KYODO_TRUST_PROXY_SSL_HEADER", False, env),
            use_x_forwarded_host=_env_flag("KYODO_USE_X_FORWARDED_HOST", False, env),
            script_name=script_name,
            session_max_seconds=_env_seconds("KYODO_SESSION_MAX_SECONDS", 8 * 3600, env),
            session_idle_seconds=_env_seconds("KYODO_SESSION_IDLE_SECONDS", 30 * 60, env),
            login_failure_limit=_env_seconds("KYODO_LOGIN_FAILURE_LIMIT", 5, env),
            login_cooloff_seconds=_env_seconds("KYODO_LOGIN_COOLOFF_SECONDS", 15 * 60, env),
        )
        for name, value in (("KYODO_SESSION_MAX_SECONDS", config.session_max_seconds),
                            ("KYODO_SESSION_IDLE_SECONDS", config.session_idle_seconds),
                            ("KYODO_LOGIN_FAILURE_LIMIT", config.login_failure_limit),
                            ("KYODO_LOGIN_COOLOFF_SECONDS", config.login_cooloff_seconds)):
            if value < 1:
                raise ValueError(f"{name} must be at least 1")
        if config.session_idle_seconds > config.session_max_seconds:
            raise ValueError("KYODO_SESSION_IDLE_SECONDS must not exceed KYODO_SESSION_MAX_SECONDS")
        return config


SERVING = ServingConfig.from_environ(CONFIG)


def backups_reconfigure(environ: Mapping[str, str] | None = None) -> BackupConfig:
    """Read the backup configuration again, for a process whose environment was changed after start
    (``kyodo backup ...`` pointed at the running demo's stores; the test session's stores)."""
    global BACKUPS
    BACKUPS = BackupConfig.from_environ(CONFIG, environ)
    return BACKUPS
