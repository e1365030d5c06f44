"""Configuration read once from the environment (every variable is documented in docs/configuration.md)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret(name: str, state_dir: Path, debug: bool) -> str:
    """A secret comes from NAME, or from the file named by NAME_FILE; in debug/demo mode only,
    a random one is generated once into the state directory (outside version control)."""
    value = _env(name)
    if value:
        return value
    file_name = _env(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text().strip()
    if not debug:
        raise RuntimeError(f"{name} (or {name}_FILE) must be set when KYODO_DEBUG is off")
    path = state_dir / "secrets" / name.lower()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(secrets.token_urlsafe(48))
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
    provision_from_template: bool
    migrate_processes: int
    log_level: str

    @classmethod
    def from_environ(cls) -> Config:
        debug = _env_bool("KYODO_DEBUG", True)
        state_dir = Path(_env("KYODO_STATE_DIR") or REPO_ROOT / "var")
        return cls(
            debug=debug,
            state_dir=state_dir,
            database_url=_env("DATABASE_URL"),
            redis_url=_env("REDIS_URL"),
            secret_key=_secret("KYODO_SECRET_KEY", state_dir, debug),
            allowed_hosts=tuple(
                h.strip() for h in (_env("KYODO_ALLOWED_HOSTS", ".localhost,localhost,127.0.0.1") or "").split(",")
                if h.strip()
            ),
            public_host=_env("KYODO_PUBLIC_HOST", "localhost") or "localhost",
            town_host_suffix=_env("KYODO_TOWN_HOST_SUFFIX", ".localhost") or ".localhost",
            celery_eager=_env_bool("KYODO_CELERY_EAGER", False),
            provision_from_template=_env_bool("KYODO_PROVISION_FROM_TEMPLATE", True),
            migrate_processes=int(_env("KYODO_MIGRATE_PROCESSES", str(min(4, os.cpu_count() or 1))) or 1),
            log_level=_env("KYODO_LOG_LEVEL", "INFO") or "INFO",
        )


CONFIG = Config.from_environ()
