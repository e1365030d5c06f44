"""Layouts as data (レイアウト定義): each layout is a folder under ``layouts/`` with ``layout.toml``
(name, version, default encoding, 年号コード, the layout's own code tables) and one item list per file
(``<file>.csv``: item number, 名称, our field, data type, 桁数, required, code table, 外字使用, note).
A new version of the specification, or an added item, is a new folder or a changed item file.

Data types: ``9`` digits (ASCII after width folding), ``X`` text, ``K`` カナ (full-width katakana),
``C`` a code of a table, ``W`` a 和暦 date (年号コード 2 + 年 2 + 月 2 + 日 2), ``D`` a 西暦 date
(YYYYMMDD), ``B`` a 生年月日 (``W`` for 日本人, ``D`` for 外国人住民, ``00`` for a month or day 不詳),
``P`` a 郵便番号 (NNN-NNNN or 7 digits). ``required`` is ``Y``, ``N`` or ``C`` (required unless the
row's own rule says otherwise, e.g. 住民票コード on a 除票)."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

LAYOUTS_DIR = Path(__file__).with_name("layouts")
TYPES = frozenset("9XKCWDBP")


class LayoutError(ValueError):
    """A layout definition that cannot be used (a broken data file)."""


@dataclass(frozen=True)
class Item:
    no: str
    name: str              # 名称
    field: str             # our field
    type: str
    length: int            # 桁数: characters in CSV form, bytes of the file's encoding in fixed-width form
    required: str          # Y, N or C
    code: str = ""         # code table name
    gaiji: bool = False    # 外字使用 (characters outside JIS X 0208 allowed)
    note: str = ""


@dataclass(frozen=True)
class FileLayout:
    name: str
    items: tuple[Item, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(i.field for i in self.items)

    @property
    def width(self) -> int:
        return sum(i.length for i in self.items)

    def item(self, field_name: str) -> Item:
        return next(i for i in self.items if i.field == field_name)


@dataclass(frozen=True)
class Era:
    code: str
    name: str
    starts: dt.date


@dataclass(frozen=True)
class Layout:
    name: str
    title: str
    version: str
    encoding: str
    files: dict[str, FileLayout]
    eras: tuple[Era, ...]
    codes: dict[str, dict[str, str]] = field(default_factory=dict)

    def file(self, name: str) -> FileLayout:
        try:
            return self.files[name]
        except KeyError:
            raise LayoutError(f"レイアウト {self.name} にファイル {name} はありません。") from None

    def era(self, code: str) -> Era | None:
        return next((e for e in self.eras if e.code == code), None)

    def era_of(self, day: dt.date) -> Era | None:
        found = None
        for era in self.eras:
            if era.starts <= day:
                found = era
        return found

    def code_to_value(self, table: str) -> dict[str, str]:
        return self.codes.get(table, {})

    def value_to_code(self, table: str) -> dict[str, str]:
        return {v: k for k, v in self.codes.get(table, {}).items()}


def _items(path: Path) -> tuple[Item, ...]:
    items = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                item = Item(no=row["no"], name=row["name"], field=row["field"], type=row["type"],
                            length=int(row["length"]), required=row["required"], code=row.get("code") or "",
                            gaiji=(row.get("gaiji") or "N") == "Y", note=row.get("note") or "")
            except (KeyError, ValueError, TypeError) as exc:
                raise LayoutError(f"{path.name} {line}行目: 項目定義が読めません（{exc}）。") from None
            if item.type not in TYPES or item.required not in ("Y", "N", "C") or item.length < 1:
                raise LayoutError(f"{path.name} {line}行目: データ型・必須・桁数が正しくありません。")
            items.append(item)
    if len({i.field for i in items}) != len(items):
        raise LayoutError(f"{path.name}: 同じ項目が二度定義されています。")
    return tuple(items)


@functools.lru_cache(maxsize=16)
def load(name: str) -> Layout:
    folder = LAYOUTS_DIR / name
    if not name or "/" in name or name.startswith(".") or not (folder / "layout.toml").is_file():
        raise LayoutError(f"レイアウト {name} はありません（{', '.join(available())}）。")
    manifest = tomllib.loads((folder / "layout.toml").read_text(encoding="utf-8"))
    files = {f: FileLayout(f, _items(folder / f"{f}.csv")) for f in manifest["files"]}
    eras = tuple(Era(code, pair[0], dt.date.fromisoformat(pair[1])) for code, pair in sorted(manifest["eras"].items()))
    return Layout(name=manifest["name"], title=manifest["title"], version=manifest["version"],
                  encoding=manifest.get("encoding", "cp932"), files=files, eras=eras,
                  codes={k: dict(v) for k, v in manifest.get("codes", {}).items()})


def available() -> list[str]:
    return sorted(p.name for p in LAYOUTS_DIR.iterdir() if (p / "layout.toml").is_file())
