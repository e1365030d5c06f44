"""Writes to the residents registry. Each service is one transaction: validate, write, audit, outbox.

Every 異動 goes through ``change_submit`` (仮登録) and takes effect only in ``change_approve``
(審査・決裁 by another member of staff); ``change_reject`` records the reason. Nothing is overwritten:
approval adds a new PersonVersion (履歴) per affected person. The kinds of 異動 are declared once,
in ``tenants.residents.kinds``.

    common.py      permission check, strict ids, 採番, current rows
    validation.py  per-kind validators and their helpers
    apply.py       per-kind effects of an approved change
    changes.py     仮登録 / 決裁 / 差戻し and the validation flow common to every kind
    measures.py    支援措置, the other 抑止 and temporary lifts
"""

from .apply import new_version
from .changes import change_approve, change_reject, change_submit, move_outs_complete, validate_change
from .common import household_members, next_number, parse_id, require_permission
from .measures import (
    blocked_attempt_acknowledge,
    lift_decide,
    lift_request,
    support_measure_confirm,
    support_measure_create,
    support_measure_decide,
    support_measure_extend,
    support_measure_request,
    suppression_end,
    suppression_set,
)
from .validation import CORRECTABLE, HEAD, validate_relationship

__all__ = [
    "CORRECTABLE", "HEAD", "blocked_attempt_acknowledge", "change_approve", "change_reject", "change_submit",
    "household_members", "lift_decide", "lift_request", "move_outs_complete", "new_version", "next_number", "parse_id", "require_permission",
    "support_measure_confirm", "support_measure_create", "support_measure_decide", "support_measure_extend",
    "support_measure_request", "suppression_end", "suppression_set", "validate_change",
    "validate_relationship",
]
