"""The whole run's log (tests/logprivacy.py) holds no personal data: run last (tests/conftest.py), it reads what
every test before it logged."""

from __future__ import annotations

from tests import logprivacy


def test_the_check_finds_what_it_looks_for():
    assert logprivacy.is_my_number("123456789018")  # the published rule's example number
    assert not logprivacy.is_my_number("123456789012")
    found = logprivacy.findings('{"message": "x"}\n{"message": "照会 123456789018"}\n{"message": "山田 様"}\n')
    assert [f.split(":")[0] for f in found] == ["line 2", "line 3"]
    assert "個人番号 123456789018" in found[0] and "山田" in found[1]
    # a request id whose hexadecimal happens to hold twelve valid digits is not a number on its own
    assert not logprivacy.findings('{"request_id": "a1e420106cbd4b979770551443b17115"}')
    assert logprivacy.findings('{"message": "番号979770551443を照会"}')


def test_the_run_logged_no_personal_data():
    logprivacy.flush()
    text = logprivacy.LOG_FILE.read_text(encoding="utf-8")
    assert text.strip(), "the run wrote no log at all: the check would prove nothing"
    found = logprivacy.findings(text)
    assert not found, "personal data in the logs:\n" + "\n".join(found[:20])
