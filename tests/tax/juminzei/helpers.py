"""Shared helpers of the 個人住民税 tests: a CSV of 所得資料 and the household's taxpayers linked."""

from __future__ import annotations

HEADER = ("宛名番号,種類,特別徴収義務者指定番号,特別徴収義務者名,給与収入,給与以外の所得,社会保険料控除,"
          "その他の所得控除,配偶者・扶養親族,障害者控除,本人の区分")


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode(encoding)


def atena(version) -> str:
    return version.person.atena_number
