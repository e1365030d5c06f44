"""The daily 滞納管理 file (layout tainou-1.0, integrations/standard_spec): written by the scheduled task for
each vendor contracted for the town's ``tax`` dataset, once per day, readable back by the standard-spec
codec, never carrying a 支援措置 protected address, audited with its persons, and fetched through
``taxDeliveries`` by its own vendor only."""

from __future__ import annotations

import base64
from datetime import date

import pytest
from django_tenants.utils import tenant_context

from kyodo.identity.principal import task_principal
from kyodo.tenantlog.models import AuditEntry
from tenants.tax import audit
from tenants.tax.tainou import delivery, services, tasks
from tenants.tax.tainou.models import Delivery

pytestmark = pytest.mark.django_db

DELIVERIES = """{ taxDeliveries(first: 5) { nodes { id fileName layout deliveredOn vendor charges persons
  corporations sha256 contentBase64 } } }"""


def _run(town) -> int:
    from django.db import connection

    connection.set_schema_to_public()  # as a worker starts: the task switches to the town itself
    return tasks.deliveries_write(schema_name=town.schema_name, principal=task_principal(None, "tainou-delivery"))


def test_the_daily_task_writes_one_file_per_contracted_vendor_and_day(tax_vendor, ledger, tax_a):
    assert _run(tax_a) == 1
    assert _run(tax_a) == 1  # run again the same day: the same file, nothing new
    with tenant_context(tax_a):
        row = Delivery.objects.get()
        assert (row.client_id, row.layout, row.charges, row.persons, row.corporations) == \
            ("vendor-acme", "tainou-1.0", 2, 1, 1)
        records = delivery.read_back(bytes(row.content))
        by_kind = {r["subject_kind"]: r for r in records}
        assert by_kind["person"]["atena_number"] == ledger["taro"].person.atena_number
        assert int(by_kind["person"]["amount"]) == 50_000 and int(by_kind["person"]["balance"]) == 50_000
        assert by_kind["corporation"]["corporate_number"] == ledger["corporation"].corporate_number
        assert int(by_kind["corporation"]["amount"]) == 404_000
        assert by_kind["corporation"]["charge_id"] == delivery.charge_node_id("412066", ledger["corporate"].pk)
        assert by_kind["person"]["due_on"] == date(2025, 6, 30)
        entry = AuditEntry.objects.get(action="tainou.delivery.written")
        assert entry.detail["person_ids"] == [ledger["taro"].person_id] and entry.detail["vendor"] == "vendor-acme"
        assert audit.verify(tax_a).ok


def test_a_protected_persons_address_never_enters_the_file(tax_vendor, ledger, chief_a, tax_a):
    from tenants.residents import services as residents

    residents.support_measure_create(actor=chief_a, town=tax_a, person_id=ledger["taro"].person_id,
                                     starts_on="2024-06-01")
    _run(tax_a)
    with tenant_context(tax_a):
        content = bytes(Delivery.objects.get().content)
        assert "1234番地".encode() not in content and b"843-0022" not in content
        person = next(r for r in delivery.read_back(content) if r["subject_kind"] == "person")
        assert person["address_withheld"] == "true" and person["address"] in ("", None)
        assert person["name"] == "山田 太郎"


def test_no_contract_no_file(contract, ledger, tax_a):  # noqa: F811
    contract(towns=("412066",), datasets=("residents",))
    assert _run(tax_a) == 0
    with tenant_context(tax_a):
        assert Delivery.objects.count() == 0


def test_the_vendor_fetches_its_file_and_the_fetch_is_audited(tax_vendor, ledger, tax_a):
    _run(tax_a)
    nodes = tax_vendor.data(DELIVERIES)["taxDeliveries"]["nodes"]
    assert len(nodes) == 1 and nodes[0]["vendor"] == "vendor-acme" and nodes[0]["charges"] == 2
    with tenant_context(tax_a):
        row = Delivery.objects.get()
        assert base64.b64decode(nodes[0]["contentBase64"]) == bytes(row.content)
        assert AuditEntry.objects.filter(action="tainou.delivery.fetched", detail__delivery=row.pk).count() == 1


def test_another_vendors_file_is_not_listed(tax_vendor, ledger, tax_a):
    from kyodo.identity.models import ServiceAccount

    other = ServiceAccount.objects.create(client_id="vendor-other", vendor_name="他社", municipality_codes=["412066"],
                                          datasets=["tax"], active=True)
    with tenant_context(tax_a):
        services.delivery_write(actor=None, town=tax_a, account=other)
    assert tax_vendor.data(DELIVERIES)["taxDeliveries"]["nodes"] == []
    with tenant_context(tax_a):
        assert not AuditEntry.objects.filter(action="tainou.delivery.fetched").exists()
