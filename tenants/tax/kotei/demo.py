"""kotei's part of the demo (tenants/tax/demo.py): a few hundred synthetic parcels per demo town, owned by its
demo residents (one in eight jointly, 1/2 each; a few by corporations), calculated for 令和7年度 (2025).

The 所在 are made-up 大字 of the town (not the owners' addresses). Every land parcel is wholly 住宅用地 with a
dwelling (the engine computes no other land yet, docs/tax.md). A sample 登記済通知 file for the town is
written with :func:`sample_notice_file` (``var/demo/tokisumi-<団体コード>.csv``) for staff to import."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django_tenants.utils import tenant_context

FISCAL_YEAR = 2025
DISTRICTS = ("大字本町", "大字東", "大字西", "大字南", "大字北", "大字中央")


def load(*, town, staff, scale: float, seed: int) -> list[str]:
    clerk, chief = staff.get("tax_clerk"), staff.get("tax_chief")
    if clerk is None or chief is None:
        return []
    with tenant_context(town):
        from tenants.residents.models import ON_REGISTER, Person, PersonVersion

        from . import services
        from .models import Parcel

        if Parcel.objects.exists():
            return []
        rng = random.Random(f"kotei:{town.code}:{seed}")
        people = list(PersonVersion.objects.filter(is_current=True, status__in=ON_REGISTER,
                                                   birth_date__year__lt=2000)
                      .order_by("person_id").values_list("person_id", "family_name", "given_name")[:400])
        if not people:
            return []
        atena = dict(Person.objects.filter(pk__in=[p[0] for p in people]).values_list("pk", "atena_number"))
        count = max(20, int(300 * min(scale, 3.0)))
        made = 0
        for i in range(count):
            owner = people[i % len(people)]
            owners = [{"person_id": owner[0], "atena_number": atena.get(owner[0], ""),
                       "name": f"{owner[1]} {owner[2]}", "share": (1, 1)}]
            if i % 8 == 7 and len(people) > 1:
                other = people[(i * 7 + 3) % len(people)]
                if other[0] != owner[0]:
                    owners = [{**owners[0], "share": (1, 2), "representative": True},
                              {"person_id": other[0], "atena_number": atena.get(other[0], ""),
                               "name": f"{other[1]} {other[2]}", "share": (1, 2)}]
            if i % 25 == 24:
                owners = [{"corporate_number": f"{7_000_000_000_000 + int(town.code) * 10 + i % 10:013d}",
                           "name": f"株式会社{town.name}開発", "share": (1, 1)}]
            district = DISTRICTS[i % len(DISTRICTS)]
            area = Decimal(rng.randrange(12_000, 60_000)) / 100
            value = int(area) * rng.randrange(8_000, 40_000)
            previous = None if i % 5 == 0 else int(value / 6 * rng.uniform(0.7, 1.05))
            services.parcel_create(actor=clerk, town=town, kind="land", location=f"{town.name}{district}",
                                   number=f"{100 + i}番", category="03", area=area, value=value, owners=owners,
                                   valid_from=dt.date(2015, 4, 1), previous_base=previous,
                                   housing_area=area, dwellings=1, origin="demo")
            floor = Decimal(rng.randrange(6_000, 20_000)) / 100
            new = i % 10 == 3
            services.parcel_create(actor=clerk, town=town, kind="building", location=f"{town.name}{district}",
                                   number=f"{100 + i}番の1", category="01", area=floor,
                                   value=int(floor) * rng.randrange(30_000, 90_000), owners=owners,
                                   valid_from=dt.date(2015, 4, 1), dwellings=1,
                                   new_housing_first_year=2024 if new else None,
                                   new_housing_area=floor if new else None, origin="demo")
            made += 2
        counts = services.assessments_calculate(actor=chief, town=town, fiscal_year=FISCAL_YEAR)
        path = sample_notice_file(town)
        return [f"固定資産: 物件 {made}件、{FISCAL_YEAR}年度の納税義務者 {counts['taxpayers']}人を計算",
                f"登記済通知の見本: {path}"]


def sample_notice_file(town) -> Path:
    """A 登記済通知 file for the town's demo parcels (所有権移転, 地目変更 and 滅失): UTF-8 CSV, layout
    tokisumi-1.0, written under var/demo/."""
    from .models import Ownership, Parcel

    lands = list(Parcel.objects.filter(kind="land", status="active", origin="demo").order_by("pk")[:3])
    buildings = list(Parcel.objects.filter(kind="building", status="active", origin="demo").order_by("pk")[:2])
    buyer = Ownership.objects.filter(person_id__isnull=False).exclude(parcel=lands[0]).order_by("-pk").first() \
        if lands else None
    rows = []
    if lands and buyer:
        rows.append(f"2025001,20250610,01,1,{lands[0].location},{lands[0].number},,,,{buyer.atena_number},,"
                    f"{buyer.name},1/1")
    if len(lands) > 1:
        rows.append(f"2025002,20250612,05,1,{lands[1].location},{lands[1].number},,02,,,,,")
    if buildings:
        rows.append(f"2025003,20250615,06,2,{buildings[0].location},{buildings[0].number},,,,,,,")
    base = Path(getattr(settings, "BASE_DIR", Path.cwd())) / "var" / "demo"
    base.mkdir(parents=True, exist_ok=True)
    path = base / f"tokisumi-{town.code}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path
