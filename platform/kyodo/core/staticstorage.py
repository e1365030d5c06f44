"""Static files storage: WhiteNoise's compressed manifest (hashed names, cached for a year).

``collectstatic`` writes ``staticfiles.json`` into ``STATIC_ROOT``; pages then link ``portal.<hash>.css``.
Hashed names are used in debug mode too (the demo runs with debug on and shows them, as production
does). A name missing from the manifest (a file added since the last ``collectstatic``) gets its plain
URL instead of a 500; WhiteNoise still serves it from the apps' folders in debug mode.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

from django.utils.encoding import filepath_to_uri
from whitenoise.storage import CompressedManifestStaticFilesStorage

MANIFEST = "staticfiles.json"


class KyodoStaticStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def url(self, name, force=False):
        try:
            return super().url(name, force=True)
        except ValueError:  # neither in the manifest nor collected
            return urljoin(self.base_url or "", filepath_to_uri(name))


def storage_backend(static_root: str, *, debug: bool, hashed: bool = False) -> str:
    """The hashed storage in production (collectstatic is part of deploying), when asked for
    (``KYODO_HASHED_STATIC``: the demo) and wherever ``collectstatic`` has written its manifest;
    the plain storage in a development or test run without it."""
    if not debug or hashed or (Path(static_root) / MANIFEST).exists():
        return "kyodo.core.staticstorage.KyodoStaticStorage"
    return "django.contrib.staticfiles.storage.StaticFilesStorage"
