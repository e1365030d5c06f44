"""Japanese display rules (表示の規則): one helper per rule, used by every page, CSV and console.

- 氏名 family first (氏 名), カナ likewise: :func:`person_name`, :func:`person_name_kana`;
  staff by their 氏 名 (``last_name first_name``), else their user name: :func:`staff_name`.
- Every code by its label (異動事由, 続柄, 監査の操作, 抑止の経路 …): :func:`label`. The tables are
  declared by the applications (``TownApplication.display``: ``"module:LABELS"``, a mapping of
  kind → ``{code: label}`` or a function ``code -> label | None``); the platform's own audit actions
  are here. A code without a label is shown as 「（未登録のコード）」 plus the code, never bare.
- Dates in 和暦 (:func:`wareki`), datetimes as 和暦 and 時刻 (:func:`wareki_datetime`); 西暦 only where the
  standard asks for it (外国人住民's 生年月日, in the application's own helper): :func:`seireki`.
  The eras come from an application's ``"era"`` declaration (the town's コード表 元号) when one is
  declared, else the table below.
- Numbers with separators (:func:`number`), 件数 (:func:`count`) and 円 (:func:`yen`).

Template filters of the same names are in ``kyodo.core.templatetags.kyodo_display`` (a builtin: no
``{% load %}`` needed).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.utils import timezone

from kyodo.audit.labels import OUTCOMES, PLATFORM_ACTIONS

UNKNOWN_CODE = "（未登録のコード）"

# --- names ---------------------------------------------------------------------------------------


def _get(obj: Any, key: str) -> str:
    if obj is None:
        return ""
    if isinstance(obj, Mapping):
        value = obj.get(key, "")
    else:
        value = getattr(obj, key, "")
    return str(value or "").strip()


def _join(family: str, given: str) -> str:
    # One space between 氏 and 名 on screens, as the pages always showed them (the register's
    # full-width space stays in certificates and files: PersonVersion.full_name).
    return " ".join(part for part in (family, given) if part)


def person_name(obj: Any) -> str:
    """氏 名, family name first with a space (「佐賀 花子」); an object or a dict with
    ``family_name``/``given_name``."""
    return _join(_get(obj, "family_name"), _get(obj, "given_name"))


def person_name_kana(obj: Any) -> str:
    """氏名カナ, family name first (「サガ ハナコ」)."""
    return _join(_get(obj, "family_name_kana"), _get(obj, "given_name_kana"))


_STAFF_TTL = 60.0
_staff_cache: dict[str, tuple[float, str]] = {}
_staff_lock = threading.Lock()


def staff_name(user: Any) -> str:
    """A member of staff as shown: 氏 名 (Django's ``last_name`` is the 氏, ``first_name`` the 名),
    else the user name. Takes a user or a user name (records keep ``*_username``); names looked up
    by user name are cached for a minute."""
    if user is None or user == "":
        return ""
    if isinstance(user, str):
        return _staff_name_of(user)
    if not getattr(user, "is_authenticated", True):
        return ""
    name = _join(_get(user, "last_name"), _get(user, "first_name"))
    return name or _get(user, "username")


# Records written by the system itself (the demo loader, scheduled jobs) name no member of staff.
SYSTEM_ACTORS = {"demo": "システム（デモデータ）", "system": "システム", "celery": "システム（定時処理）"}


def _staff_name_of(username: str) -> str:
    if username in SYSTEM_ACTORS:
        return SYSTEM_ACTORS[username]
    now = time.monotonic()
    hit = _staff_cache.get(username)
    if hit is not None and hit[0] > now:
        return hit[1]
    from django.contrib.auth import get_user_model

    row = get_user_model().objects.filter(username=username).values("last_name", "first_name").first()
    name = (_join(row["last_name"].strip(), row["first_name"].strip()) if row else "") or username
    with _staff_lock:
        if len(_staff_cache) > 5000:
            _staff_cache.clear()
        _staff_cache[username] = (now + _STAFF_TTL, name)
    return name


# --- codes by their labels -------------------------------------------------------------------------

Lookup = Mapping[str, str] | Callable[[str], str | None]

# The platform's own audit actions (共同利用基盤の監査ログ: console, sign-in, backups).
# The platform's own audit actions: one table, kept with the audit log (the console uses it too).
PLATFORM_AUDIT_ACTIONS: dict[str, str] = PLATFORM_ACTIONS

# The platform's outcomes (kyodo.audit.labels) and those the apps' chains add.
AUDIT_OUTCOMES: dict[str, str] = {
    **OUTCOMES, "blocked": "抑止により拒否", "alerted": "警告の上で実行", "approve": "承認", "reject": "却下",
}

_PLATFORM_LABELS: dict[str, Lookup] = {"audit_action": PLATFORM_AUDIT_ACTIONS, "audit_outcome": AUDIT_OUTCOMES}

_tables: dict[str, list[Lookup]] | None = None
_tables_lock = threading.Lock()
_extra: dict[str, list[Lookup]] = {}


def _declared() -> dict[str, list[Lookup]]:
    global _tables
    if _tables is None:
        from kyodo import registry

        tables: dict[str, list[Lookup]] = {kind: [lookup] for kind, lookup in _PLATFORM_LABELS.items()}
        for app in registry.applications():
            path = getattr(app, "display", None)
            if not path:
                continue
            module_name, _, attribute = path.partition(":")
            import importlib

            declared = getattr(importlib.import_module(module_name), attribute)
            for kind, lookup in declared.items():
                tables.setdefault(kind, []).append(lookup)
        with _tables_lock:
            _tables = tables
    return _tables


def register(kind: str, lookup: Lookup) -> None:
    """Add a table at run time (tests, plug-ins); declarations in app.py are the usual way."""
    _extra.setdefault(kind, []).append(lookup)


def reset() -> None:
    """Forget the loaded declarations and cached names (tests)."""
    global _tables
    with _tables_lock:
        _tables = None
    _extra.clear()
    _staff_cache.clear()


def lookup(kind: str, code: Any) -> str | None:
    """The label of ``code`` in the tables of ``kind``, or None."""
    key = str(code)
    for table in (*_declared().get(kind, ()), *_extra.get(kind, ())):
        if callable(table):
            found = table(key)
        else:
            found = table.get(key)
        if found:
            return found
    return None


def label(kind: str, code: Any) -> str:
    """A code as staff read it: its label; 「（未登録のコード）A99」 when no table knows it; "" for none."""
    if code is None or code == "":
        return ""
    found = lookup(kind, code)
    return found if found is not None else f"{UNKNOWN_CODE}{code}"


def kinds() -> list[str]:
    return sorted({*_declared(), *_extra})


# --- dates ---------------------------------------------------------------------------------------

# 元号 when no application declares the town's table: name, first day.
ERAS: tuple[tuple[str, dt.date], ...] = (
    ("明治", dt.date(1868, 1, 25)), ("大正", dt.date(1912, 7, 30)), ("昭和", dt.date(1926, 12, 25)),
    ("平成", dt.date(1989, 1, 8)), ("令和", dt.date(2019, 5, 1)))


def eras() -> list[tuple[str, dt.date]]:
    """(name, first day) oldest first: an application's ``"era"`` declaration (a function returning
    them), else :data:`ERAS`."""
    for table in _declared().get("era", ()):
        if callable(table):
            rows = cast(Callable[[], list[tuple[str, dt.date]]], table)()
            if rows:
                return list(rows)
    return list(ERAS)


def as_date(value: Any) -> dt.date | None:
    """A date from a date, a datetime (in local time) or an ISO string (as JSON payloads hold it)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def wareki(value: Any) -> str:
    """和暦 (「昭和55年5月5日」, 「令和元年5月1日」). Text that is not a date is shown as it is."""
    date = as_date(value)
    if date is None:
        return "" if value is None else str(value)
    for name, starts in reversed(eras()):
        if date >= starts:
            year = date.year - starts.year + 1
            return f"{name}{'元' if year == 1 else year}年{date.month}月{date.day}日"
    return seireki(date)


def wareki_datetime(value: Any) -> str:
    """和暦 and 時刻 in local time (「令和6年5月1日 14:05」)."""
    if isinstance(value, str) and value:
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, dt.datetime):
        return wareki(value)
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{wareki(local.date())} {local:%H:%M}"


def seireki(value: Any) -> str:
    """西暦 written in full (「1980年5月5日」), where the standard wants it."""
    date = as_date(value)
    if date is None:
        return "" if value is None else str(value)
    return f"{date.year}年{date.month}月{date.day}日"


# --- numbers -------------------------------------------------------------------------------------


def number(value: Any) -> str:
    """1234567 → 「1,234,567」 (text that is not a number is shown as it is)."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return f"{amount:,}"


def count(value: Any) -> str:
    return f"{number(value)}件" if value not in (None, "") else ""


def yen(value: Any) -> str:
    return f"{number(value)}円" if value not in (None, "") else ""


def names(values: Iterable[Any]) -> str:
    """Several people, 氏 名 each, separated by 「、」."""
    return "、".join(person_name(v) for v in values)
