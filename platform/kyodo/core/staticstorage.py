"""Static files storage: WhiteNoise's compressed manifest (hashed names, cached for a year).

``collectstatic`` writes ``staticfiles.json`` into ``STATIC_ROOT``; pages then link ``portal.<hash>.css``.
A name missing from the manifest (a file added since the last ``collectstatic``) falls back to its plain
name instead of answering 500 (``manifest_strict = False``).
"""

from __future__ import annotations

from pathlib import Path

from whitenoise.storage import CompressedManifestStaticFilesStorage

MANIFEST = "staticfiles.json"


class KyodoStaticStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False


def storage_backend(static_root: str, *, debug: bool) -> str:
    """The hashed storage in production (collectstatic is part of deploying) and wherever
    ``collectstatic`` has run (the demo); the plain storage in a development or test run without it."""
    if not debug or (Path(static_root) / MANIFEST).exists():
        return "kyodo.core.staticstorage.KyodoStaticStorage"
    return "django.contrib.staticfiles.storage.StaticFilesStorage"
