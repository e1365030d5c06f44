"""Vendor the pinned npm packages into static files (run by scripts/setup.sh and scripts/test.sh).

``npm ci`` installs ``package-lock.json`` into ``node_modules/`` here; this script copies the files the
pages use into ``kyodo/core/static/kyodo/vendor/`` (generated, not committed):

- ``design-tokens.css``: デジタル庁デザインシステム tokens (CSS custom properties), read by ``kyodo/portal.css``;
- ``htmx.min.js``: htmx, loaded by every page (``core/base.html``);
- ``axe.min.js``: axe-core, injected by the browser tests only (never referenced by a page);
- ``react.production.min.js``, ``react-dom.production.min.js``, ``graphiql.min.js``, ``graphiql.min.css``:
  React 18's and GraphiQL 3's UMD builds, for the API's query editor (``kyodo/api/graphiql.py``).

Source-map comments are dropped on the way (the maps are not vendored, and the hashed static storage
refuses a file that names a missing one). Nothing is fetched at run time: the pages load these from this host. ``--check`` exits 1 when a file
is missing or differs from the installed package (the test script then builds).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODULES = HERE / "node_modules"
VENDOR = HERE.parent / "static" / "kyodo" / "vendor"

FILES = {
    "design-tokens.css": "@digital-go-jp/design-tokens/dist/tokens.css",
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "axe.min.js": "axe-core/axe.min.js",
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
}


_SOURCE_MAP = re.compile(rb"\n?(?://# sourceMappingURL=\S+|/\*# sourceMappingURL=[^*\s]+\s*\*/)\s*$")


def vendored(src: Path) -> bytes:
    """The file as vendored: the package's bytes without a trailing source-map comment."""
    return _SOURCE_MAP.sub(b"\n", src.read_bytes(), count=1)


def stale() -> list[str]:
    out = []
    for target, source in FILES.items():
        src, dst = MODULES / source, VENDOR / target
        if not dst.exists() or not src.exists() or dst.read_bytes() != vendored(src):
            out.append(target)
    return out


def build() -> None:
    VENDOR.mkdir(parents=True, exist_ok=True)
    for target, source in FILES.items():
        src = MODULES / source
        if not src.exists():
            raise SystemExit(f"build.py: {src} is missing: run npm ci --prefix {HERE}")
        (VENDOR / target).write_bytes(vendored(src))


def main(argv: list[str]) -> int:
    if "--check" in argv:
        missing = stale()
        if missing:
            print("build.py: out of date: " + ", ".join(missing), file=sys.stderr)
            return 1
        return 0
    build()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
