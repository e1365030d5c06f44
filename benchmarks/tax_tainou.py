"""Benchmark `tax-tainou`: the daily 滞納管理 file of a town (layout tainou-1.0) — every current 調定 with its
収納, latest 滞納整理の状況 and the taxpayer's 宛名 and 送付先 (支援措置 checked) — against the same file built row
by row through the ORM, in the same run.

The town is filled with the residents demo generator (``--persons``); each person gets four 個人住民税 期別 and
every fifth a 法人 with a 法人住民税 調定; half the 調定 have a 収納. Corporations and charges are bulk inserted
(the services are measured by the tests, not here).

- ``tainou_file_s``: ``tainou.services.delivery_write`` (set-based reads: charges with payments and statuses
  prefetched, addresses and protection for all persons at once; the codec writes the file; one Delivery row
  and one audit entry). Baseline: per-row reads (the charge's payments, statuses, the person's current record
  and protection each queried for that row) into ``csv.writer``. Ratio = baseline ÷ value.
"""

from __future__ import annotations

import argparse
import csv
import io
import time
from datetime import date

from .common import django_ready, emit, scratch_database, town_codes


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks tax-tainou")
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true", help="profile the measured write; no baseline, no figure")
    args = parser.parse_args(argv)

    with scratch_database():
        django_ready()
        from django_tenants.utils import tenant_context

        from kyodo.identity.models import ServiceAccount
        from kyodo.tenancy import services as tenancy
        from tenants.residents import protection
        from tenants.residents.demo import residents_demo_populate
        from tenants.residents.models import PersonVersion
        from tenants.residents.selectors import persons_shown
        from tenants.tax.hojin.engine import corporate_number_check_digit
        from tenants.tax.hojin.models import Corporation
        from tenants.tax.models import Charge, Payment
        from tenants.tax.tainou import services
        from tenants.tax.tainou.models import Delivery

        code = next(town_codes(1, start=42501))
        town = tenancy.municipality_provision(actor=None, code=code, name="計測町", name_kana="ケイソクチョウ",
                                              hosts=[f"t{code}.localhost"], applications=["residents", "tax"])
        account = ServiceAccount.objects.create(client_id="bench-tainou", vendor_name="計測滞納管理",
                                                municipality_codes=[code], datasets=["tax"], active=True)
        residents_demo_populate(town=town, scale=args.persons / 10_000, seed=7)
        with tenant_context(town):
            people = list(PersonVersion.objects.filter(is_current=True).values_list(
                "person_id", "person__atena_number", "family_name", "given_name"))
            charges = []
            corporations = []
            for index, (pid, atena, family, given) in enumerate(people):
                for instalment in range(1, 5):
                    charges.append(Charge(tax="juminzei", fiscal_year=2025, subject_kind="person", person_id=pid,
                                          atena_number=atena, name=f"{family} {given}",
                                          notice_no=f"J2025-{pid:08d}", instalment=instalment, collection="ordinary",
                                          amount=12_000 + index % 50 * 100, due_on=date(2025, 6, 30),
                                          issued_by="bench"))
                if index % 5 == 0:
                    base = f"{code}{index:06d}"
                    number = f"{corporate_number_check_digit(base)}{base}"
                    corporations.append(Corporation(corporate_number=number, name=f"株式会社計測{index}",
                                                    head_office_address=f"計測町本町{index}番地",
                                                    office_address=f"計測町本町{index}番地"))
                    charges.append(Charge(tax="hojin", fiscal_year=2024, subject_kind="corporation",
                                          corporate_number=number, name=f"株式会社計測{index}",
                                          notice_no=f"HJ2024-{index:08d}", instalment=0, collection="self_assessed",
                                          amount=70_000, due_on=date(2025, 5, 31), issued_by="bench"))
            Corporation.objects.bulk_create(corporations, batch_size=5_000)
            Charge.objects.bulk_create(charges, batch_size=5_000)
            Payment.objects.bulk_create([Payment(charge=c, amount=c.amount, paid_on=date(2025, 6, 20), channel="口座振替",
                                                 recorded_by="bench") for c in Charge.objects.all()[::2]],
                                        batch_size=5_000)

            if args.profile:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.enable()
                services.delivery_write(actor=None, town=town, account=account, on_date=date(2025, 7, 1))
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
                return 0
            started = time.perf_counter()
            row, _ = services.delivery_write(actor=None, town=town, account=account, on_date=date(2025, 7, 1))
            value = time.perf_counter() - started
            assert row.charges == len(charges)

            started = time.perf_counter()
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            for charge in Charge.objects.filter(is_current=True).order_by("pk"):
                payments = list(charge.payments.order_by("paid_on", "pk"))
                statuses = list(charge.statuses.order_by("as_of", "pk"))
                address, withheld = "", False
                if charge.person_id:
                    withheld = bool(protection.inspect([charge.person_id]).blocked)
                    shown = persons_shown([charge.person_id]).get(charge.person_id)
                    if shown and shown.version and not withheld:
                        address = shown.version.address
                else:
                    address = Corporation.objects.filter(corporate_number=charge.corporate_number) \
                        .values_list("head_office_address", flat=True).first() or ""
                paid = sum(p.amount for p in payments)
                writer.writerow([code, charge.pk, charge.tax, charge.fiscal_year, charge.notice_no, charge.instalment,
                                 charge.atena_number, charge.corporate_number, charge.name, address, int(withheld),
                                 charge.amount, charge.due_on, paid, charge.amount - paid,
                                 statuses[-1].stage if statuses else ""])
            baseline = time.perf_counter() - started
            size = len(bytes(Delivery.objects.values_list("content", flat=True).get(pk=row.pk)))
        emit("tax-tainou", "tainou_file_s", value, "s", baseline, baseline / value, charges=len(charges),
             persons=len(people), bytes=size)
    return 0
