"""juminzei's part of the demo (tenants/tax/demo.py): the town's 納税義務者 of 令和7年度 (fiscal_year 2025)
linked from the register of 1 January 2025, synthetic 所得資料 for those aged 18 or more (deterministic from
``seed``: about half 給与支払報告書, a fifth 公的年金等, a tenth 申告 of 事業所得, the rest none), imported
through the CSV path, and the year calculated. Notices are left for the 税務課長 to issue."""

from __future__ import annotations

import datetime as dt
import random

from django_tenants.utils import tenant_context

from . import services
from .models import Taxpayer

FISCAL_YEAR = 2025
EMPLOYERS = (("K1001", "佐賀みらい建設株式会社"), ("K1002", "有明食品株式会社"), ("K1003", "医療法人 武雄会"),
             ("K1004", "嬉野温泉観光株式会社"), ("K1005", "白石農業協同組合"), ("K1006", "鹿島精工株式会社"))
HEADER = ("宛名番号,種類,特別徴収義務者指定番号,特別徴収義務者名,給与収入,給与以外の所得,社会保険料控除,"
          "その他の所得控除,配偶者・扶養親族,障害者控除,本人の区分")


def synthetic_lines(taxpayers, rng: random.Random) -> list[str]:
    lines = []
    adult_before = dt.date(FISCAL_YEAR - 19, 1, 2)
    for atena, birth in taxpayers:
        if birth > adult_before:
            continue
        draw = rng.random()
        age = FISCAL_YEAR - 1 - birth.year
        if draw < 0.5 and age < 70:
            number, name = rng.choice(EMPLOYERS)
            revenue = int(rng.lognormvariate(15.1, 0.45)) // 1000 * 1000
            revenue = min(max(revenue, 600_000), 8_400_000)
            social = revenue * rng.choice((14, 15)) // 100
            deps = rng.choice(("", "", "spouse_general", "dependant_general", "spouse_general;dependant_young",
                               "dependant_specific"))
            lines.append(f"{atena},給与支払報告書,{number},{name},{revenue},0,{social},{rng.choice((0, 40000, 70000))},"
                         f"{deps},,")
        elif draw < 0.7 and age >= 60:
            income = rng.randrange(0, 2_000_000, 1000)
            lines.append(f"{atena},公的年金等支払報告書,,,0,{income},{income // 10},0,,,")
        elif draw < 0.8:
            income = rng.randrange(300_000, 5_000_000, 1000)
            lines.append(f"{atena},申告,,,0,{income},{income // 8},{rng.choice((0, 50000))},,,")
    return lines


def load(*, town, staff, scale: float, seed: int) -> list[str]:
    clerk, chief = staff.get("tax_clerk"), staff.get("tax_chief")
    if clerk is None or chief is None:
        return []
    with tenant_context(town):
        if Taxpayer.objects.filter(fiscal_year=FISCAL_YEAR).exists():
            return []
        linked = services.taxpayers_link(actor=clerk, town=town, fiscal_year=FISCAL_YEAR)
        rng = random.Random(f"juminzei:{town.code}:{seed}")
        rows = list(Taxpayer.objects.filter(fiscal_year=FISCAL_YEAR).order_by("atena_number")
                    .values_list("atena_number", "birth_date"))
        lines = synthetic_lines(rows, rng)
        if lines:
            services.incomes_import(actor=clerk, town=town, fiscal_year=FISCAL_YEAR,
                                    data=("\n".join([HEADER, *lines]) + "\n").encode(), filename="デモ所得資料.csv")
        result = services.assessments_calculate(actor=chief, town=town, fiscal_year=FISCAL_YEAR)
    return [f"個人住民税（令和7年度）: 納税義務者 {linked.total}人、所得資料 {len(lines)}件、"
            f"計算 {result.calculated}人（自動計算の対象外 {result.unsupported}人）"]
