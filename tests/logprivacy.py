"""The log-privacy check of a whole test run: every log record of the run is written as the platform writes it
(JSON lines with the work context) to ``var/logs/test-run.jsonl``, and the last test of the run
(tests/observability/test_zz_log_privacy.py) searches that file for personal data — the names, kana, addresses
and numbers the test data plants (tests/residents/conftest.py ``person_data``, the canary below) and any
12-digit number that passes the 個人番号 check digit."""

from __future__ import annotations

import logging
import re
from pathlib import Path

LOG_FILE = Path(__file__).resolve().parent.parent / "var" / "logs" / "test-run.jsonl"

# What the test data plants in many tests, and a canary the observability tests put through every path.
CANARY_NAME, CANARY_KANA = "漏洩検知", "ロウエイケンチ"
PLANTED = ("山田", "太郎", "ヤマダ", "タロウ", "武雄町大字武雄1234", "12345678901", "昭和55年4月1日", "コーポ武雄101",
           CANARY_NAME, CANARY_KANA)
# Twelve digits standing alone: not a run inside a hexadecimal word such as a request id.
_TWELVE = re.compile(r"(?<![0-9A-Za-z])[0-9]{12}(?![0-9A-Za-z])")

_handler: logging.Handler | None = None


def start() -> None:
    """Attach the run's log file to the root logger (after Django configured logging)."""
    global _handler
    from kyodo.observability.logs import ContextFilter, JsonFormatter

    LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
    _handler = logging.FileHandler(LOG_FILE, mode="w", encoding="utf-8")
    _handler.setLevel(logging.INFO)
    _handler.setFormatter(JsonFormatter())
    _handler.addFilter(ContextFilter())
    logging.getLogger().addHandler(_handler)


def flush() -> None:
    if _handler is not None:
        _handler.flush()


def is_my_number(digits: str) -> bool:
    from tenants.residents.numbers import my_number_check_digit

    return len(digits) == 12 and digits.isdigit() and my_number_check_digit(digits[:11]) == int(digits[11])


def findings(text: str) -> list[str]:
    """Each line of ``text`` that carries a planted value or a valid 個人番号, with what was found."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        hits = [p for p in PLANTED if p in line]
        hits += [f"個人番号 {m}" for m in _TWELVE.findall(line) if is_my_number(m)]
        if hits:
            found.append(f"line {number}: {', '.join(hits)}: {line[:300]}")
    return found
