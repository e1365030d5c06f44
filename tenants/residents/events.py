"""Outbox event types the residents registry emits (consumed later by tax/NHI and the change feed)."""

from __future__ import annotations

from kyodo.tenantlog import outbox
from kyodo.tenantlog.models import OutboxEvent

from .permissions import APPLICATION

CHANGE_SUBMITTED = "residents.change_submitted"      # any 異動 entered (仮登録), awaiting 審査
CHANGE_REJECTED = "residents.change_rejected"        # 差戻し
CHANGE_APPROVED = "residents.change_approved"        # any 異動 approved; payload has kind
MOVED_IN = "residents.moved_in"                      # 転入 approved
MOVED_OUT = "residents.moved_out"                    # 転出 approved
RELOCATED = "residents.relocated"                    # 転居 approved
BORN = "residents.born"                              # 出生 approved
DIED = "residents.died"                              # 死亡 approved
HOUSEHOLD_CHANGED = "residents.household_changed"    # 世帯分離・合併・世帯主変更
RECORD_CORRECTED = "residents.record_corrected"      # 職権記載・修正・消除, 誤記修正
CHANGE_CANCELLED = "residents.change_cancelled"      # 取消(増・減・修正) approved (the change names the cancelled one)
CERTIFICATE_ISSUED = "residents.certificate_issued"
# A 証明 block set or ended (for コンビニ交付 and the CS); temporary lifts are never sent.
SUPPRESSION_SET = "residents.suppression_set"
SUPPRESSION_ENDED = "residents.suppression_ended"
IMPORTED = "residents.imported"                      # a standard-layout import loaded (counts only)


def emit(event_type: str, *, town, aggregate_id="", actor=None, aggregate_type: str = "change",
         **payload) -> OutboxEvent:
    """Write the event in the caller's transaction (shared outbox): it exists if and only if the change
    committed; the acting principal goes into the envelope."""
    return outbox.emit(application=APPLICATION, event_type=event_type, town=town, actor=actor,
                       aggregate_type=aggregate_type, aggregate_id=aggregate_id,
                       payload={"town": town.code, **payload})
