"""Certificate settings read once from the environment (docs/configuration.md): where certificates
are issued (交付場所), the terminal and printer named in the 発行番号, and the 公印 image.

Each value may be set for every town (``KYODO_CERT_TERMINAL``) and overridden for one town by its
団体コード (``KYODO_CERT_TERMINAL_412066``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULTS = {"PLACE": "本庁窓口", "TERMINAL": "本庁1", "PRINTER": "プリンタ001"}
SEAL_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class Station:
    """Where a certificate is produced: 交付場所, 端末 and プリンタ (printed in the 発行番号)."""

    place: str
    terminal: str
    printer: str


@dataclass(frozen=True)
class CertificateConfig:
    values: Mapping[str, str] = field(default_factory=dict)
    seal_dir: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> CertificateConfig:
        env = os.environ if environ is None else environ
        values = {k: v.strip() for k, v in env.items() if k.startswith("KYODO_CERT_") and v.strip()}
        for name, value in values.items():
            # The 発行番号 is split on spaces by whoever reads it; a value must be one word.
            if any(c.isspace() for c in value) or "\x00" in value or len(value) > 40:
                raise ValueError(f"{name} must be one word of at most 40 characters (got {value!r})")
        return cls(values=values, seal_dir=(env.get("KYODO_SEAL_IMAGE_DIR") or "").strip() or None)

    def _value(self, key: str, town_code: str) -> str:
        return self.values.get(f"KYODO_CERT_{key}_{town_code}") or self.values.get(f"KYODO_CERT_{key}") \
            or DEFAULTS[key]

    def station(self, town_code: str) -> Station:
        return Station(*(self._value(k, town_code) for k in ("PLACE", "TERMINAL", "PRINTER")))

    def seal_image(self, town_code: str) -> str | None:
        """``<KYODO_SEAL_IMAGE_DIR>/<団体コード>.png`` (or .jpg); None when absent."""
        if not self.seal_dir or not town_code.isascii() or not town_code.isdigit():
            return None
        for suffix in SEAL_SUFFIXES:
            path = os.path.join(self.seal_dir, town_code + suffix)
            if os.path.isfile(path):
                return path
        return None


CONFIG = CertificateConfig.from_environ()
