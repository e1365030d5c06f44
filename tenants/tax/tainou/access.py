"""Who may take part in the 滞納管理 exchange of a town: a vendor whose token and contract name the town and
the ``tax`` dataset for reads and ``tax:write`` for the payment/status write-back (the API's write scope beside
the read one, docs/api.md), or 税務課 staff (reads). Not
found and not allowed answer alike to the caller (the API layer)."""

from __future__ import annotations

from kyodo.identity.principal import VENDOR

from .. import permissions

DATASET = "tax"


def is_vendor(actor) -> bool:
    return getattr(actor, "kind", None) == VENDOR


def may_read(actor, town) -> bool:
    if not town.has_application(permissions.APPLICATION):
        return False
    if is_vendor(actor):
        return actor.may_read(municipality_code=town.code, dataset=DATASET)
    return permissions.can_read(actor, town)


def may_write_back(actor, town) -> bool:
    """収納・滞納状況の書き戻し: the contracted vendor only (staff record payments at the counter)."""
    return is_vendor(actor) and town.has_application(permissions.APPLICATION) and \
        actor.may_write(municipality_code=town.code, dataset=DATASET)


def writer_of(actor) -> str:
    """``recorded_by`` of a write-back row: the vendor's client id."""
    return str(getattr(actor, "client_id", "") or getattr(actor, "username", ""))[:150]
