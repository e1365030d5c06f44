"""Object storage (オブジェクトストレージ): the small interface backups need, adapters registered by name.

Backups write every object once (never overwrite) with a retention date; the adapters enforce that
refusal themselves, whatever the server does, and ask the server for Object Lock on top.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

STORE_LETTERS = ("A", "B", "C")


class ObjectStoreError(Exception):
    """Base class: every error names the store and, where there is one, the object key."""

    def __init__(self, store: str, key: str, message: str):
        super().__init__(f"{store}: {key}: {message}")
        self.store = store
        self.key = key
        self.message = message


class StoreUnavailable(ObjectStoreError):
    """The store did not answer (network, credentials, missing bucket)."""


class ObjectMissing(ObjectStoreError):
    """The object does not exist (or only a delete marker does)."""


class ObjectExists(ObjectStoreError):
    """Refused: a backup object is written once and never replaced."""


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    retain_until: datetime | None
    lock_mode: str | None
    version_id: str | None


@dataclass(frozen=True)
class StoreConfig:
    """One independently configured store (endpoint, bucket, credentials, region)."""

    name: str
    kind: str
    endpoint: str | None
    bucket: str
    access_key_id: str | None
    secret_access_key: str | None
    region: str
    lock_mode: str | None  # "COMPLIANCE", "GOVERNANCE" or None (the server has no Object Lock)
    timeout_seconds: float = 10.0

    def __repr__(self) -> str:  # never print credentials
        return f"StoreConfig(name={self.name!r}, endpoint={self.endpoint!r}, bucket={self.bucket!r})"


class ObjectStore(ABC):
    """put/get/head/list with retention. Keys are relative to the store's bucket."""

    def __init__(self, config: StoreConfig):
        self.config = config
        self.name = config.name

    @abstractmethod
    def put(self, key: str, data: bytes, *, retain_until: datetime | None) -> ObjectInfo:
        """Write ``key`` once; raise ObjectExists if it is already there."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """Raise ObjectMissing if absent, StoreUnavailable if the store does not answer."""

    @abstractmethod
    def head(self, key: str) -> ObjectInfo | None:
        """None when the object does not exist."""

    @abstractmethod
    def list(self, prefix: str) -> list[str]:
        """Every key under ``prefix``, sorted."""

    @abstractmethod
    def ensure_bucket(self) -> None:
        """Create the bucket with Object Lock enabled if it does not exist (demo and tests)."""


_REGISTRY: dict[str, Callable[[StoreConfig], ObjectStore]] = {}


def register(kind: str):
    def decorator(factory):
        _REGISTRY[kind] = factory
        return factory

    return decorator


def store_open(config: StoreConfig) -> ObjectStore:
    if config.kind not in _REGISTRY:
        from . import s3  # noqa: F401  (registers "s3")
    try:
        factory = _REGISTRY[config.kind]
    except KeyError:
        raise ValueError(f"unknown object store kind {config.kind!r} for {config.name}") from None
    return factory(config)


def store_name(letter: str) -> str:
    return f"store-{letter.lower()}"


def store_configs_from_env(environ: Mapping[str, str] | None = None) -> dict[str, StoreConfig]:
    """Read KYODO_BACKUP_STORE_{A,B,C}_* (documented in docs/configuration.md). Unconfigured stores
    (no bucket) are left out; callers decide whether two or three are enough."""
    env = os.environ if environ is None else environ
    configs: dict[str, StoreConfig] = {}
    for letter in STORE_LETTERS:
        prefix = f"KYODO_BACKUP_STORE_{letter}_"

        def get(name: str, default: str | None = None, prefix: str = prefix) -> str | None:
            value = env.get(prefix + name)
            return value if value not in (None, "") else default

        bucket = get("BUCKET")
        if not bucket:
            continue
        lock = (get("LOCK_MODE", "COMPLIANCE") or "").upper()
        if lock not in {"COMPLIANCE", "GOVERNANCE", "NONE"}:
            raise ValueError(f"{prefix}LOCK_MODE must be COMPLIANCE, GOVERNANCE or NONE (got {lock!r})")
        configs[store_name(letter)] = StoreConfig(
            name=store_name(letter), kind=get("KIND", "s3") or "s3", endpoint=get("ENDPOINT"), bucket=bucket,
            access_key_id=get("ACCESS_KEY_ID"), secret_access_key=get("SECRET_ACCESS_KEY"),
            region=get("REGION", "ap-northeast-1") or "ap-northeast-1",
            lock_mode=None if lock == "NONE" else lock,
            timeout_seconds=float(get("TIMEOUT_SECONDS", "10") or 10),
        )
    return configs


def files_store_config(environ: Mapping[str, str] | None = None) -> StoreConfig | None:
    """The store for the files applications keep (添付ファイル of online applications): KYODO_FILES_STORE_*
    (KIND, ENDPOINT, BUCKET, ACCESS_KEY_ID, SECRET_ACCESS_KEY, REGION, TIMEOUT_SECONDS; docs/configuration.md).
    None when no bucket is configured — callers then refuse to take files rather than lose them."""
    env = os.environ if environ is None else environ

    def get(name: str, default: str | None = None) -> str | None:
        value = env.get("KYODO_FILES_STORE_" + name)
        return value if value not in (None, "") else default

    bucket = get("BUCKET")
    if not bucket:
        return None
    return StoreConfig(name="files", kind=get("KIND", "s3") or "s3", endpoint=get("ENDPOINT"), bucket=bucket,
                       access_key_id=get("ACCESS_KEY_ID"), secret_access_key=get("SECRET_ACCESS_KEY"),
                       region=get("REGION", "ap-northeast-1") or "ap-northeast-1", lock_mode=None,
                       timeout_seconds=float(get("TIMEOUT_SECONDS", "10") or 10))
