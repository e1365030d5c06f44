"""Vendors and 国保: the vendor API carries no 国保 record (資格, 納付義務者, 資格確認書, 賦課) of any town, even for
a vendor whose contract names the 国保 dataset, and a vendor's token opens none of the 国保 pages — of its own
town or another."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.api.conftest import contract  # noqa: F401  (fixture)
from tests.identity.conftest import idp, oidc_settings  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

FEED = """query Feed($first: Int) { changes(first: $first) { edges { node { type subjects data } } } }"""
NHI_WORDS = re.compile(r"nhi|enrol|insured|insurance|kokuho|qualification|eligib", re.IGNORECASE)


@pytest.fixture
def insured(nhi_a, family, relay, clerk_a):
    """The family moved in, their 資格取得 and 納付義務者 confirmed and a 資格確認書 issued in town A."""
    from tenants.nhi import services
    from tenants.nhi.cards import services as cards

    relay(nhi_a)
    services.workitems_confirm_household(actor=clerk_a, town=nhi_a, household_id=family["household_id"])
    cards.card_issue(actor=clerk_a, town=nhi_a, person_id=family["taro"], kind="certificate")
    return family


def test_the_vendor_api_has_no_nhi_type_or_field():
    """The whole schema vendors query (introspection is off for them, so it is read here from the server)."""
    from kyodo.api.schema import schema

    names = []
    for name, kind in schema().graphql_schema.type_map.items():
        if name.startswith("__"):
            continue
        names.append(name)
        names += [f"{name}.{field}" for field in getattr(kind, "fields", {}) or {}]
    assert len(names) > 100 and [n for n in names if NHI_WORDS.search(n)] == []


def test_the_feed_of_a_vendor_contracted_for_nhi_carries_no_nhi_record(contract, insured):  # noqa: F811
    api = contract(towns=("412066",), datasets=("residents", "nhi"))
    edges = api.data(FEED, {"first": 100})["changes"]["edges"]
    assert edges, "the family's 転入 is in the feed"
    assert {e["node"]["type"].split(".")[0] for e in edges} == {"residents"}
    text = str(edges)
    assert "被保険者" not in text and "資格確認書" not in text and "納付義務者" not in text
    # a contract for 国保 alone gives no feed at all: the dataset has nothing a vendor may read
    alone = contract(towns=("412066",), datasets=("nhi",)).post(FEED).json()
    assert alone["data"] is None and alone["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("host", ["takeo.test", "kashima.test"])
def test_a_vendor_token_opens_no_nhi_page(contract, insured, town_b, host):  # noqa: F811
    type(town_b).objects.filter(pk=town_b.pk).update(enabled_applications=[*town_b.enabled_applications, "nhi"])
    api = contract(towns=("412066", "412074"), datasets=("residents", "nhi"))
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {api.token}", "HTTP_HOST": host}
    client = Client()
    for path in ("/nhi/", f"/nhi/households/{insured['household_id']}/", f"/nhi/persons/{insured['taro']}/",
                 f"/nhi/levy/households/{insured['household_id']}/", f"/inquiry/persons/{insured['taro']}/"):
        response = client.get(path, **bearer)
        assert response.status_code in (302, 403, 404), (path, response.status_code)
        body = response.content.decode()
        assert "山田" not in body and "被保険者" not in body, path
        if response.status_code == 302:
            assert "/nhi/" not in response["Location"].split("?")[0], path  # to the sign-in, not into 国保
