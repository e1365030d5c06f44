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
