"""What 個人住民税 reads of the residents registry (same town schema), read-only: who was on the register on
a day (賦課期日) with that day's record, and a person's current record (for the 送付先 of a 住所変更)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tenants.residents.models import ON_REGISTER, PersonVersion
from tenants.residents.selectors import persons_shown


@dataclass(frozen=True, slots=True)
class OnRegister:
    person_id: int
    atena_number: str
    name: str
    name_kana: str
    birth_date: dt.date
    address: str
    katagaki: str
    household_id: int
    is_head: bool


def on_register_as_of(as_of: dt.date) -> list[OnRegister]:
    """Everyone whose registry history, as it stood on ``as_of``, puts them on the register: the latest 履歴 of
    each person valid by that day (the same rule as ``tenants.residents.selectors._version_as_of``), in one
    query (DISTINCT ON), those in a 住民 / 転出予定 state kept."""
    rows = (PersonVersion.objects.filter(valid_from__lte=as_of).order_by("person_id", "-history_no")
            .distinct("person_id")
            .values_list("person_id", "person__atena_number", "family_name", "given_name", "family_name_kana",
                         "given_name_kana", "birth_date", "address", "katagaki", "household_id", "relationship",
                         "status"))
    on = {str(s) for s in ON_REGISTER}
    return [OnRegister(pid, atena, f"{fam}\u3000{giv}", f"{famk}\u3000{givk}".strip(), birth, address, katagaki or "",
                       household, relationship == "世帯主")
            for pid, atena, fam, giv, famk, givk, birth, address, katagaki, household, relationship, status in rows
            if status in on]


def current(person_ids) -> dict[int, PersonVersion]:
    """The current record of each of these persons the registry knows."""
    return {pid: s.version for pid, s in persons_shown(person_ids).items() if s.version is not None}
