"""個人番号 re-encryption under the current key (鍵の更新): the stored numbers and those waiting in 仮登録 異動.

Batches of ``batch`` rows, each its own transaction with one audit entry (the persons and the count): a run
stopped half way is resumed by running it again, since only rows not yet under the current key are read."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.db import transaction

from tenants.residents import audit, crypto
from tenants.residents.models import Change, ChangeStatus, PersonalNumber


@dataclass(frozen=True)
class RekeyResult:
    numbers: int  # stored 個人番号 rewritten
    pending: int  # 仮登録 異動 whose entered number was rewritten
    already: int  # stored numbers already under the current key


def personal_numbers_rekey(*, actor, town, batch: int = 500) -> RekeyResult:
    audit.assert_in_town(town)
    rewritten = already = 0
    last = 0
    while True:
        with transaction.atomic():
            rows = list(PersonalNumber.objects.select_for_update().filter(pk__gt=last).order_by("pk")[:batch])
            if not rows:
                break
            last = rows[-1].pk
            stale = [r for r in rows if not crypto.is_current(r.ciphertext)]
            already += len(rows) - len(stale)
            for row in stale:
                row.ciphertext = crypto.reencrypt(row.ciphertext, context=town.code)
            if stale:
                PersonalNumber.objects.bulk_update(stale, ["ciphertext"])
                audit.record(town=town, actor=actor, action="personal_number.rekey", persons=[r.person_id for r in stale],
                             purpose="個人番号の暗号鍵の更新", count=len(stale))
            rewritten += len(stale)
    pending = 0
    with transaction.atomic():
        for change in Change.objects.select_for_update().filter(status=ChangeStatus.PENDING):
            if _rekey_entered(change.payload, town.code):
                change.save(update_fields=["payload"])
                pending += 1
        if pending:
            audit.record(town=town, actor=actor, action="personal_number.rekey",
                         purpose="個人番号の暗号鍵の更新（仮登録）", count=pending)
    return RekeyResult(rewritten, pending, already)


def _rekey_entered(value, context: str) -> bool:
    """Rewrite, in place, every entered number (``my_number_enc``, base64) in a 異動's payload not under the
    current key; True when one was."""
    touched = False
    if isinstance(value, dict):
        blob = value.get("my_number_enc")
        if isinstance(blob, str) and blob:
            raw = base64.b64decode(blob)
            if not crypto.is_current(raw):
                value["my_number_enc"] = base64.b64encode(crypto.reencrypt(raw, context=context)).decode()
                touched = True
        for key, item in value.items():
            if key != "my_number_enc" and isinstance(item, dict | list):
                touched = _rekey_entered(item, context) or touched
    elif isinstance(value, list):
        for item in value:
            touched = _rekey_entered(item, context) or touched
    return touched
