"""hojin's part of the demo (tenants/tax/demo.py): 20–50 synthetic corporations per town with valid 法人番号,
a 確定申告 each through the services (so each has its 調定), and, where the demo 滞納管理 vendor is contracted
(武雄市), a few payments and 催告 written back as that vendor."""

from __future__ import annotations

import random
from datetime import date

from django_tenants.utils import tenant_context

from kyodo.identity.principal import VendorPrincipal

from .engine import corporate_number_check_digit
from .models import Corporation

TRADES = (("建設", "ケンセツ"), ("製作所", "セイサクショ"), ("商事", "ショウジ"), ("運輸", "ウンユ"), ("食品", "ショクヒン"),
          ("陶磁器", "トウジキ"), ("農産", "ノウサン"), ("設備", "セツビ"), ("不動産", "フドウサン"), ("印刷", "インサツ"))
NAMES = (("有明", "アリアケ"), ("若木", "ワカキ"), ("山内", "ヤマウチ"), ("北方", "キタガタ"), ("塩田", "シオタ"),
         ("多良", "タラ"), ("肥前", "ヒゼン"), ("黒髪", "クロカミ"), ("福富", "フクドミ"), ("六角", "ロッカク"))
FORMS = (("株式会社", "カブシキガイシャ"), ("有限会社", "ユウゲンガイシャ"), ("合同会社", "ゴウドウガイシャ"))
# (資本金等の額, 従業者数) mixes that reach each row of the 均等割 table
SIZES = ((3_000_000, 4), (10_000_000, 12), (30_000_000, 25), (80_000_000, 60), (300_000_000, 45),
         (2_000_000_000, 120), (6_000_000_000, 240))
DEMO_VENDOR = ("vendor-takeo-tainou", "武雄市の滞納管理", "412066")


def _number(town_code: str, index: int) -> str:
    base = f"{town_code}{index:06d}"
    return f"{corporate_number_check_digit(base)}{base}"


def load(*, town, staff, scale: float, seed: int) -> list[str]:
    clerk = staff.get("tax_clerk")
    if clerk is None:
        return []
    from . import services

    with tenant_context(town):
        if Corporation.objects.exists():
            return []
        rng = random.Random(f"hojin:{town.code}:{seed}")
        count = rng.randint(20, 50)
        returns = []
        for index in range(1, count + 1):
            (name, kana), (trade, trade_kana), (form, _) = \
                rng.choice(NAMES), rng.choice(TRADES), rng.choice(FORMS)
            capital, employees = rng.choice(SIZES)
            street = f"佐賀県{town.name}{rng.choice(('本町', '中央', '新町', '栄町'))}{rng.randint(1, 30)}番{rng.randint(1, 20)}号"
            corporation = services.corporation_register(actor=clerk, town=town, data={
                "corporate_number": _number(town.code, index), "name": f"{form}{name}{trade}",
                "kana": f"{kana}{trade_kana}", "head_office_address": street, "office_address": street,
                "capital": capital, "capital_and_reserve": capital, "employees": employees,
                "fiscal_year_end_month": 3})
            opened = date(2024, rng.randint(5, 12), 1) if index % 9 == 0 else None  # a few opened mid-year
            returns.append(services.return_file(actor=clerk, town=town, corporation=corporation, data={
                "kind": "final", "period_start": date(2024, 4, 1), "period_end": date(2025, 3, 31),
                "capital": capital, "capital_and_reserve": capital, "employees": employees,
                "corporate_tax": rng.choice((0, 0, 350_000, 1_200_000, 4_800_000, 18_000_000)),
                "office_from": opened, "filed_on": date(2025, 5, rng.randint(10, 31))}))
        notes = [f"法人住民税（デモ）: {count}法人の確定申告と調定"]
        if town.code == DEMO_VENDOR[2]:
            notes.append(_write_back(town, rng, returns))
    return notes


def _write_back(town, rng, returns) -> str:
    """The demo vendor's write-back: payments for about a third of the 調定 and a 催告 for two unpaid ones."""
    from ..models import Charge
    from ..tainou import services as tainou

    vendor = VendorPrincipal(client_id=DEMO_VENDOR[0], vendor_name=DEMO_VENDOR[1],
                             municipality_codes=frozenset({town.code}),
                             datasets=frozenset({"residents", "tax", "tax:write"}))
    charges = list(Charge.objects.filter(tax="hojin", corporate_number__in=[r.corporate_number for r in returns])
                   .order_by("pk"))
    paid = urged = 0
    for charge in charges:
        if rng.randrange(3) == 0:
            tainou.payment_record(actor=vendor, town=town, charge_id=charge.pk, amount=charge.amount,
                                  paid_on=date(2025, 5, 31), channel="口座振替",
                                  idempotency_key=f"demo-pay-{charge.pk}")
            paid += 1
        elif urged < 2:
            tainou.delinquency_status_record(actor=vendor, town=town, charge_id=charge.pk, stage="urged",
                                             as_of=date(2025, 7, 15), note="催告書を送付（デモ）",
                                             idempotency_key=f"demo-urge-{charge.pk}")
            urged += 1
    return f"滞納管理（デモ）: {paid}件の収納と{urged}件の催告を書き戻し"
