"""Run a benchmark by name: ``python -m benchmarks onboarding`` imports ``benchmarks.onboarding`` and
calls its ``main()``. ``python -m benchmarks --list`` lists them."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (str(ROOT / "platform"), str(ROOT)):
    if path not in sys.path:
        sys.path.insert(0, path)

HELPERS = {"common", "__main__"}
ALIASES = {"import": "import-residents"}  # ``import`` is a keyword: the module is import_residents


def available() -> list[str]:
    modules = {m.name.replace("_", "-") for m in pkgutil.iter_modules([str(HERE)]) if m.name not in HELPERS}
    return sorted(modules | {alias for alias, target in ALIASES.items() if target in modules})


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "--list"}:
        print("usage: python -m benchmarks <name> [args]\navailable: " + ", ".join(available()))
        return 0 if argv else 2
    name = argv[0]
    if name not in available():
        print(f"unknown benchmark {name!r}; available: {', '.join(available())}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"benchmarks.{ALIASES.get(name, name).replace('-', '_')}")
    return module.main(argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
