"""滞納管理 link's reads: the town's 調定 with their 収納 and 滞納整理の状況 and each taxpayer's 宛名 and 送付先,
for the GraphQL API and the daily file. A 支援措置 covers a person: the row keeps the 宛名番号 and name (the tax
is still owed) but never the address. Each read is audited with the persons and corporations it named."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from tenants.residents import protection
from tenants.residents.selectors import persons_shown

from .. import audit
from ..hojin.models import Corporation
from ..models import Charge, DelinquencyStatus, Payment, SubjectKind
from ..selectors import NotFound
from . import access
from .models import Delivery


@dataclass
class Addressee:
    """送付先: as the vendor may see it."""

    postal_code: str = ""
    address: str = ""
    withheld: bool = False


@dataclass
class ChargeRow:
    charge: Charge
    payments: list[Payment]
    statuses: list[DelinquencyStatus]
    paid: int
    balance: int
    addressee: Addressee

    def __getattr__(self, name: str):
        """The charge's own fields (``fiscal_year``, ``notice_no``, ``amount`` …) read through the row, as the API's
        ``TaxCharge`` shows them."""
        if name == "charge":
            raise AttributeError(name)
        return getattr(self.charge, name)

    @property
    def last_paid_on(self):
        return self.payments[-1].paid_on if self.payments else None

    @property
    def status(self) -> DelinquencyStatus | None:
        return self.statuses[-1] if self.statuses else None


def require(actor, town) -> None:
    audit.assert_in_town(town)
    if not access.may_read(actor, town):
        raise PermissionDenied("滞納管理の連携データを参照する権限がありません")


def addressees(charges: Iterable[Charge]) -> dict[tuple[str, str], Addressee]:
    """送付先 of each charge's taxpayer, keyed ("person", id) / ("corporation", 法人番号): a person's current
    住所 from the registry unless a 支援措置 covers them or it is a protected address (then withheld), a
    corporation's 本店所在地."""
    charges = list(charges)
    person_ids = {c.person_id for c in charges if c.subject_kind == SubjectKind.PERSON and c.person_id}
    numbers = {c.corporate_number for c in charges if c.subject_kind == SubjectKind.CORPORATION}
    found: dict[tuple[str, str], Addressee] = {}
    if person_ids:
        assessment = protection.inspect(person_ids)
        blocked = assessment.blocked
        for pid, shown in persons_shown(person_ids).items():
            version = shown.version
            if pid in blocked or version is None:
                found[("person", str(pid))] = Addressee(withheld=pid in blocked)
                continue
            version = assessment.redact(version)
            if getattr(version, "address_hidden", False):
                found[("person", str(pid))] = Addressee(withheld=True)
                continue
            address = f"{version.address}{' ' + version.katagaki if version.katagaki else ''}"
            found[("person", str(pid))] = Addressee(postal_code=version.postal_code, address=address)
    if numbers:
        for number, address in Corporation.objects.filter(corporate_number__in=numbers) \
                .values_list("corporate_number", "head_office_address"):
            found[("corporation", number)] = Addressee(address=address)
    return found


def _key(charge: Charge) -> tuple[str, str]:
    if charge.subject_kind == SubjectKind.PERSON:
        return ("person", str(charge.person_id))
    return ("corporation", charge.corporate_number)


def _ledger(charges: list[Charge], *, whole_town: bool) -> tuple[dict, dict]:
    """収納 and 滞納整理の状況 of ``charges`` grouped by charge, in two queries (plain grouping: Django's
    prefetch clones a queryset per charge, which dominates at a town's size)."""
    payments: dict[int, list[Payment]] = defaultdict(list)
    statuses: dict[int, list[DelinquencyStatus]] = defaultdict(list)
    if not charges:
        return payments, statuses
    scope: dict[str, object] = {"charge__is_current": True} if whole_town else {"charge_id__in": [c.pk for c in charges]}
    for p in Payment.objects.filter(**scope).order_by("charge_id", "paid_on", "pk"):
        payments[p.charge_id].append(p)
    for s in DelinquencyStatus.objects.filter(**scope).order_by("charge_id", "as_of", "pk"):
        statuses[s.charge_id].append(s)
    return payments, statuses


def charge_rows(charges: list[Charge], *, whole_town: bool = False) -> list[ChargeRow]:
    """Rows for ``charges`` with their ledger and 送付先 (a few queries whatever their number);
    ``whole_town`` when ``charges`` are every current 調定 of the town."""
    shown = addressees(charges)
    payments, statuses = _ledger(charges, whole_town=whole_town)
    rows = []
    for charge in charges:
        paid_rows = payments.get(charge.pk, [])
        paid = sum(p.amount for p in paid_rows)
        rows.append(ChargeRow(charge=charge, payments=paid_rows, statuses=statuses.get(charge.pk, []), paid=paid,
                              balance=max(charge.amount - paid, 0),
                              addressee=shown.get(_key(charge), Addressee())))
    return rows


def audit_rows(*, town, actor, rows: list[ChargeRow], action: str, purpose: str, **detail) -> None:
    persons = sorted({r.charge.person_id for r in rows if r.charge.person_id})
    numbers = sorted({r.charge.corporate_number for r in rows if r.charge.corporate_number})
    if rows:
        audit.record(town=town, actor=actor, action=action, persons=persons, purpose=purpose,
                     charges=len(rows), corporate_numbers=numbers, **detail)


def charges_page(*, actor, town, fiscal_year: int | None = None, tax: str | None = None, after: int = 0,
                 first: int = 50, purpose: str = "滞納管理連携") -> tuple[list[ChargeRow], bool]:
    """調定 in id order after ``after``: ``first`` of them and whether more follow (current rows only)."""
    require(actor, town)
    qs = Charge.objects.filter(is_current=True, pk__gt=after)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if tax:
        qs = qs.filter(tax=tax)
    charges = list(qs.order_by("pk")[: first + 1]) if first else []
    has_next = len(charges) > first
    rows = charge_rows(charges[:first])
    audit_rows(town=town, actor=actor, rows=rows, action="tainou.charges.read", purpose=purpose, channel="api")
    return rows, has_next


def charges_all(*, actor, town) -> list[ChargeRow]:
    """Every current 調定 of the town, for the daily file (audited by the delivery)."""
    require(actor, town)
    return charge_rows(list(Charge.objects.filter(is_current=True).order_by("pk")), whole_town=True)


def charge_for_write(charge_id: int) -> Charge:
    charge = Charge.objects.select_for_update().filter(pk=int(charge_id)).first()
    if charge is None:
        raise NotFound
    return charge


def deliveries(*, actor, town, after: int = 0, first: int = 50) -> tuple[list[Delivery], bool]:
    """配信済みファイル: a vendor sees its own, 税務課 staff every vendor's (listing is not a read of persons;
    the file's content is audited when fetched, see :func:`delivery_content`)."""
    require(actor, town)
    qs = Delivery.objects.filter(pk__gt=after).defer("content")
    if access.is_vendor(actor):
        qs = qs.filter(client_id=actor.client_id)
    rows = list(qs.order_by("pk")[: first + 1]) if first else []
    return rows[:first], len(rows) > first


def delivery_content(*, actor, town, delivery: Delivery, purpose: str) -> bytes:
    require(actor, town)
    if access.is_vendor(actor) and delivery.client_id != actor.client_id:
        raise NotFound
    content = bytes(Delivery.objects.filter(pk=delivery.pk).values_list("content", flat=True).get())
    audit.record(town=town, actor=actor, action="tainou.delivery.fetched", purpose=purpose, delivery=delivery.pk,
                 file_name=delivery.file_name, charges=delivery.charges, persons_count=delivery.persons)
    return content
