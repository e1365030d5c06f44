"""Building 固定資産税 records for the tests, through the real services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tenants.residents.models import Person
from tenants.tax.kotei import services

FY = 2025
SINCE = dt.date(2015, 4, 1)


def _atena(person_id: int) -> str:
    return Person.objects.get(pk=person_id).atena_number


def _owner(v, share=(1, 1), **extra) -> dict:
    return {"person_id": v.person_id, "atena_number": _atena(v.person_id), "name": f"{v.family_name} {v.given_name}",
            "share": share, **extra}


def _land(actor, town, number, owners, *, value, area="200", previous=None, location="武雄市大字武雄"):
    return services.parcel_create(actor=actor, town=town, kind="land", location=location, number=number,
                                  category="03", area=Decimal(area), value=value, owners=owners, valid_from=SINCE,
                                  previous_base=previous, housing_area=Decimal(area), dwellings=1)


def _house(actor, town, number, owners, *, value, floor="100", new_from=None, location="武雄市大字武雄"):
    return services.parcel_create(actor=actor, town=town, kind="building", location=location, number=number,
                                  category="01", area=Decimal(floor), value=value, owners=owners, valid_from=SINCE,
                                  dwellings=1, new_housing_first_year=new_from,
                                  new_housing_area=Decimal(floor) if new_from else None)
