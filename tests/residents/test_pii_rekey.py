"""KYODO_PII_KEY rotation without downtime: old keys still decrypt, ``pii-rekey`` rewrites a town's stored and
entered 個人番号 under the new key (resumable, audited), after which the old key can go."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tenants.residents import crypto
from tenants.residents.models import Change, ChangeStatus, PersonalNumber
from tenants.residents.services.rekey import personal_numbers_rekey
from tests.residents.conftest import move_in_data, person_data

pytestmark = pytest.mark.django_db

OLD, NEW = "old-pii-key-for-the-rotation-test", "new-pii-key-for-the-rotation-test"


@pytest.fixture
def keys(monkeypatch):
    """``keys(current, *old)``: configure the keys as the environment would, for this test only."""
    def use(current, *old):
        monkeypatch.setenv("KYODO_PII_KEY", current)
        monkeypatch.setenv("KYODO_PII_OLD_KEYS", ",".join(old))
        crypto.keyring.cache_clear()

    yield use
    crypto.keyring.cache_clear()


def test_a_ciphertext_names_its_key_and_old_keys_still_decrypt(keys):
    keys(OLD)
    blob = crypto.encrypt("123456789018", context="412066")
    assert blob[:1] == b"\x02" and crypto.is_current(blob)
    keys(NEW, OLD)
    assert not crypto.is_current(blob)
    assert crypto.decrypt(blob, context="412066") == "123456789018"
    assert crypto.is_current(crypto.reencrypt(blob, context="412066"))
    keys(NEW)
    with pytest.raises(ValueError, match="not configured"):
        crypto.decrypt(blob, context="412066")


def test_a_version_1_ciphertext_is_read_with_any_configured_key(keys):
    keys(NEW, OLD)
    key, nonce = crypto._derive(OLD), os.urandom(12)
    legacy = b"\x01" + nonce + AESGCM(key).encrypt(nonce, b"123456789018", b"412066")
    assert crypto.decrypt(legacy, context="412066") == "123456789018"
    assert not crypto.is_current(legacy)
    with pytest.raises(ValueError):
        crypto.decrypt(legacy, context="999999")  # another town's context never decrypts it


def test_rekey_rewrites_stored_and_entered_numbers_and_resumes(keys, in_a, clerk_a, approve):
    from kyodo.identity.principal import SystemPrincipal
    from kyodo.tenantlog.models import AuditEntry
    from tenants.residents import services

    keys(OLD)
    approve(services.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-04-05",
                                   effective_on="2024-04-01",
                                   data=move_in_data([person_data(my_number="123456789018")])))
    pending = services.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-04-06",
                                     effective_on="2024-04-01", data=move_in_data(
                                         [person_data(given_name="次郎", resident_code="12345678904",
                                                      my_number="234567890121")]))
    assert pending.status == ChangeStatus.PENDING
    stored = PersonalNumber.objects.get()

    keys(NEW, OLD)  # deployed with the new key; the old one still reads: no downtime
    assert crypto.decrypt(bytes(stored.ciphertext), context=in_a.code) == "123456789018"
    system = SystemPrincipal("cli:residents pii-rekey")
    done = personal_numbers_rekey(actor=system, town=in_a)
    assert (done.numbers, done.pending, done.already) == (1, 1, 0)
    again = personal_numbers_rekey(actor=system, town=in_a)
    assert (again.numbers, again.pending, again.already) == (0, 0, 1)  # a second run finds nothing left

    keys(NEW)  # the old key dropped
    stored.refresh_from_db()
    assert crypto.is_current(bytes(stored.ciphertext))
    assert crypto.decrypt(bytes(stored.ciphertext), context=in_a.code) == "123456789018"
    entered = Change.objects.get(pk=pending.pk).payload
    blobs = [p["my_number_enc"] for p in entered["persons"] if p.get("my_number_enc")]
    assert [crypto.decrypt(base64.b64decode(b), context=in_a.code) for b in blobs] == ["234567890121"]
    entries = AuditEntry.objects.filter(action="personal_number.rekey")
    assert entries.count() == 2


def test_the_command_rekeys_every_town(keys, household, town_a, town_b, capsys):
    from django_tenants.utils import tenant_context

    from kyodo.cli import build_parser

    # The household's number was stored under the run's own key, which becomes the old key here.
    before = base64.urlsafe_b64encode(crypto.keyring().current).decode()
    keys(NEW, before)
    args = build_parser().parse_args(["residents", "pii-rekey", "--town", "all"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert f"({town_a.code}): 1 個人番号 rewritten" in out and f"({town_b.code}): 0 個人番号 rewritten" in out
    with tenant_context(town_a):
        assert all(crypto.is_current(bytes(n.ciphertext)) for n in PersonalNumber.objects.all())
