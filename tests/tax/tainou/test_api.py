"""The 滞納管理 vendor's GraphQL exchange: ``taxCharges`` (調定 with 収納 and the taxpayer's 宛名 — never a
支援措置 protected address), the write-back mutations once per Idempotency-Key (a retry is ``replayed`` and
records nothing twice; the same key with other arguments is refused), refusals naming the field, audit with
the vendor as actor, and isolation: a vendor contracted only for town B reaches nothing of town A."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from kyodo.api import ids
from kyodo.tenantlog.models import AuditEntry
from tenants.tax import audit
from tenants.tax.models import DelinquencyStatus, Payment

pytestmark = pytest.mark.django_db

CHARGES = """query Charges($after: String, $tax: String) {
  taxCharges(townCode: "412066", first: 10, after: $after, tax: $tax) {
    nodes { id tax { code } fiscalYear noticeNo subjectKind { code } atenaNumber corporateNumber name
            address { postalCode address } addressWithheld amount dueOn paid balance
            payments { amount paidOn channel } currentStatus { stage { code } asOf } }
    pageInfo { hasNextPage endCursor } } }"""
PAY = """mutation Pay($id: ID!, $amount: BigInt!, $on: Date!, $channel: String!) {
  taxPaymentRecord(chargeId: $id, amount: $amount, paidOn: $on, channel: $channel) {
    payment { amount paidOn channel } charge { paid balance } errors { field messageJa messageEn } replayed } }"""
STATUS = """mutation Status($id: ID!, $stage: String!, $on: Date!) {
  taxDelinquencyStatusRecord(chargeId: $id, stage: $stage, asOf: $on, note: "催告書を送付") {
    status { stage { code label } asOf note } charge { currentStatus { stage { code } } } errors { field } replayed } }"""


def _nodes(api, **variables):
    return api.data(CHARGES, variables)["taxCharges"]["nodes"]


def _by_kind(nodes):
    return {n["subjectKind"]["code"]: n for n in nodes}


def _pay(api, key, **variables):
    response = api.post(PAY, {"amount": 10_000, "on": "2025-06-10", "channel": "コンビニ", **variables},
                        headers={"Idempotency-Key": key} if key else {})
    assert response.status_code == 200, response.content
    return response.json()


def test_charges_carry_the_ledger_and_the_taxpayers_addressee(tax_vendor, ledger):
    nodes = _by_kind(_nodes(tax_vendor))
    person, corporate = nodes["person"], nodes["corporation"]
    assert (person["atenaNumber"], person["name"], person["amount"], person["balance"]) == \
        (ledger["taro"].person.atena_number, "山田 太郎", 50_000, 50_000)
    assert person["address"]["address"].startswith("佐賀県武雄市武雄町大字武雄1234番地")
    assert person["addressWithheld"] is False
    assert (corporate["corporateNumber"], corporate["amount"], corporate["tax"]["code"]) == \
        (ledger["corporation"].corporate_number, 404_000, "hojin")
    assert corporate["address"]["address"] == "佐賀県武雄市武雄町大字昭和1番地"
    assert [n["subjectKind"]["code"] for n in _nodes(tax_vendor, tax="hojin")] == ["corporation"]


def test_a_protected_person_keeps_the_charge_but_never_the_address(tax_vendor, ledger, chief_a, tax_a):
    from tenants.residents import services

    services.support_measure_create(actor=chief_a, town=tax_a, person_id=ledger["taro"].person_id,
                                    starts_on="2024-06-01")
    response = tax_vendor.post(CHARGES)
    assert "1234番地" not in response.content.decode()  # nowhere in the answer
    person = _by_kind(response.json()["data"]["taxCharges"]["nodes"])["person"]
    assert person["address"] is None and person["addressWithheld"] is True
    assert person["name"] == "山田 太郎" and person["amount"] == 50_000  # the tax is still owed


def test_reads_are_audited_with_the_vendor_and_the_persons(tax_vendor, ledger, tax_a):
    _nodes(tax_vendor)
    with tenant_context(tax_a):
        entry = AuditEntry.objects.filter(chain="tax:412066", action="tainou.charges.read").get()
        assert (entry.actor_kind, entry.actor_username) == ("vendor", "ACME滞納管理")
        assert entry.detail["person_ids"] == [ledger["taro"].person_id]
        assert entry.detail["corporate_numbers"] == [ledger["corporation"].corporate_number]
        assert audit.verify(tax_a).ok


def test_a_payment_is_written_once_per_key(tax_vendor, ledger, tax_a):
    charge_id = _by_kind(_nodes(tax_vendor))["person"]["id"]
    first = _pay(tax_vendor, "pay-1", id=charge_id)["data"]["taxPaymentRecord"]
    assert first["errors"] == [] and first["replayed"] is False
    assert first["charge"] == {"paid": 10_000, "balance": 40_000}
    again = _pay(tax_vendor, "pay-1", id=charge_id)["data"]["taxPaymentRecord"]
    assert again["replayed"] is True and again["payment"] == first["payment"]
    other = _pay(tax_vendor, "pay-1", id=charge_id, amount=20_000)
    assert other["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    with tenant_context(tax_a):
        payments = list(Payment.objects.filter(charge_id=ledger["person"].pk))
        assert [(p.amount, p.channel, p.idempotency_key) for p in payments] == [(10_000, "コンビニ", "pay-1")]
        assert payments[0].recorded_by == "vendor-acme"
        assert AuditEntry.objects.filter(action="tainou.payment_recorded").count() == 1
        assert audit.verify(tax_a).ok


def test_a_write_needs_an_idempotency_key(tax_vendor, ledger, tax_a):
    charge_id = _by_kind(_nodes(tax_vendor))["person"]["id"]
    answer = _pay(tax_vendor, "", id=charge_id)
    assert answer["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REQUIRED"
    with tenant_context(tax_a):
        assert Payment.objects.count() == 0


def test_an_overpayment_is_refused_naming_the_field(tax_vendor, ledger, tax_a):
    charge_id = _by_kind(_nodes(tax_vendor))["person"]["id"]
    answer = _pay(tax_vendor, "pay-over", id=charge_id, amount=50_001)["data"]["taxPaymentRecord"]
    assert answer["payment"] is None
    assert [e["field"] for e in answer["errors"]] == ["amount"] and "50,000円" in answer["errors"][0]["messageJa"]
    answer = _pay(tax_vendor, "pay-future", id=charge_id, on="2999-01-01")["data"]["taxPaymentRecord"]
    assert [e["field"] for e in answer["errors"]] == ["paidOn"]
    with tenant_context(tax_a):
        assert Payment.objects.count() == 0


def test_a_delinquency_status_is_written_once_per_key(tax_vendor, ledger, tax_a):
    charge_id = _by_kind(_nodes(tax_vendor))["corporation"]["id"]
    variables = {"id": charge_id, "stage": "urged", "on": "2025-07-15"}
    first = tax_vendor.data(STATUS, variables, headers={"Idempotency-Key": "st-1"})["taxDelinquencyStatusRecord"]
    assert first["status"] == {"stage": {"code": "urged", "label": "催告"}, "asOf": "2025-07-15", "note": "催告書を送付"}
    assert first["charge"]["currentStatus"]["stage"]["code"] == "urged"
    again = tax_vendor.data(STATUS, variables, headers={"Idempotency-Key": "st-1"})["taxDelinquencyStatusRecord"]
    assert again["replayed"] is True
    bad = tax_vendor.data(STATUS, {**variables, "stage": "jail"}, headers={"Idempotency-Key": "st-2"})
    assert [e["field"] for e in bad["taxDelinquencyStatusRecord"]["errors"]] == ["stage"]
    with tenant_context(tax_a):
        assert DelinquencyStatus.objects.count() == 1


def test_another_towns_charge_id_is_not_found(tax_vendor, ledger, tax_a):
    foreign = ids.node_id("TaxCharge", "412074", ledger["person"].pk)  # the same key, town B's id
    for value in (foreign, "not-an-id", ids.node_id("Person", "412066", ledger["person"].pk)):
        answer = _pay(tax_vendor, f"k-{value[:20]}", id=value)["data"]["taxPaymentRecord"]
        assert [(e["field"], e["messageJa"]) for e in answer["errors"]] == [("chargeId", "指定した調定は見つかりません。")]
    with tenant_context(tax_a):
        assert Payment.objects.count() == 0


def test_a_vendor_contracted_only_for_town_b_reaches_nothing_of_town_a(contract, ledger, tax_a):  # noqa: F811
    town_a_api = contract(towns=("412066",), datasets=("residents", "tax", "tax:write"))
    charge_id = _by_kind(_nodes(town_a_api))["person"]["id"]
    b_only = contract(towns=("412074",), datasets=("residents", "tax", "tax:write"))
    for query, variables, headers in ((CHARGES, None, {}), ("{ taxDeliveries { nodes { id } } }", None, {}),
                                      (PAY, {"id": charge_id, "amount": 1, "on": "2025-06-10", "channel": "x"},
                                       {"Idempotency-Key": "b-1"})):
        response = b_only.post(query, variables, headers=headers)
        assert response.status_code == 403
        body = response.content.decode()
        assert "山田" not in body and "武雄製作所" not in body and "404000" not in body
    nodes = b_only.post('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', {"ids": [charge_id]})
    assert nodes.status_code == 403
    with tenant_context(tax_a):
        assert Payment.objects.count() == 0


def test_a_vendor_without_the_tax_dataset_is_refused(contract, ledger, tax_a):  # noqa: F811
    residents_only = contract(towns=("412066",), datasets=("residents",))
    answer = residents_only.post(CHARGES).json()
    assert answer["data"] is None or answer["data"].get("taxCharges") is None
    assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_the_service_refuses_a_key_reused_for_another_payment(tax_vendor, ledger, tax_a):
    """Below the API's own key store, the row's key alone also refuses a different write under the same key."""
    from datetime import date

    from django.core.exceptions import ValidationError

    from kyodo.identity.principal import VendorPrincipal
    from tenants.tax.tainou import services

    vendor = VendorPrincipal(client_id="vendor-acme", vendor_name="ACME滞納管理", municipality_codes=frozenset({"412066"}),
                             datasets=frozenset({"tax", "tax:write"}))
    with tenant_context(tax_a):
        first = services.payment_record(actor=vendor, town=tax_a, charge_id=ledger["person"].pk, amount=1_000,
                                        paid_on=date(2025, 6, 1), channel="窓口", idempotency_key="svc-1")
        again = services.payment_record(actor=vendor, town=tax_a, charge_id=ledger["person"].pk, amount=1_000,
                                        paid_on=date(2025, 6, 1), channel="窓口", idempotency_key="svc-1")
        assert again.pk == first.pk
        with pytest.raises(ValidationError) as excinfo:
            services.payment_record(actor=vendor, town=tax_a, charge_id=ledger["person"].pk, amount=2_000,
                                    paid_on=date(2025, 6, 1), channel="窓口", idempotency_key="svc-1")
        assert "idempotency_key" in excinfo.value.message_dict
        assert Payment.objects.count() == 1
