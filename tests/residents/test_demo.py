import pytest

from tenants.residents import selectors
from tenants.residents.demo import residents_demo_populate
from tenants.residents.models import Household, Person, PersonVersion

pytestmark = pytest.mark.django_db


def test_demo_population_has_realistic_shape_and_is_searchable(in_a, clerk_a):
    created = residents_demo_populate(town=in_a, scale=0.02, seed=1)
    assert created == Person.objects.count() == 960
    ratio = created / Household.objects.count()
    assert 2.0 <= ratio <= 2.6
    heads = PersonVersion.objects.filter(relationship="世帯主").count()
    assert heads == Household.objects.count()
    assert selectors.persons_search(actor=clerk_a, town=in_a, query="やまぐち")
    # A second call leaves a populated town alone.
    assert residents_demo_populate(town=in_a, scale=0.02, seed=1) == 0


def test_demo_protected_person_is_hidden_from_search_and_detail(in_a, clerk_a, approver_a):
    from tenants.residents.demo import residents_demo_protect
    from tenants.residents.models import SupportMeasure
    from tests.conftest import logged_in_client

    residents_demo_populate(town=in_a, scale=0.005, seed=3)
    name = residents_demo_protect(town=in_a, actor=approver_a)
    measure = SupportMeasure.objects.get()
    assert name and measure.status == "active"
    version = PersonVersion.objects.get(person_id=measure.person_id, is_current=True)
    # Idempotent: a second call reuses the measure.
    assert residents_demo_protect(town=in_a, actor=approver_a) == name
    assert SupportMeasure.objects.count() == 1
    client = logged_in_client(clerk_a, "takeo.test")
    detail = client.get(f"/residents/persons/{measure.person_id}/")
    assert 'id="alert-gate"' in detail.content.decode() and version.address not in detail.content.decode()
    listing = client.get("/residents/", {"q": version.family_name_kana}).content.decode()
    assert version.address not in listing
    # ...while an unprotected resident's address does show in the same kind of listing.
    other = (PersonVersion.objects.filter(is_current=True).exclude(household_id=version.household_id)
             .exclude(family_name_kana=version.family_name_kana).first())
    shown = client.get("/residents/", {"q": other.family_name_kana}).content.decode()
    assert other.address in shown
