"""Fixtures for 税務: towns A and B with 税務 enabled (inside the test's transaction), each with its 税務課
(税務担当 and 税務課長) made here, and clients logged in as them on their own town's host."""

from __future__ import annotations

import pytest

from tests.conftest import TOWN_A, TOWN_B, logged_in_client
from tests.residents.conftest import approve, in_a, move_in_data, person_data  # noqa: F401  (fixtures)


def _enable(town):
    # An update through the queryset: django-tenants refuses Model.save() of a tenant from inside another
    # town's schema, where an earlier test may have left the connection.
    type(town).objects.filter(pk=town.pk).update(enabled_applications=[*town.enabled_applications, "tax"])
    town.refresh_from_db()
    return town


def _staff(username: str, town, role: str):
    from django.contrib.auth import get_user_model

    from kyodo.identity.models import StaffMembership

    user = get_user_model().objects.create_user(username=username, password="x")
    StaffMembership.objects.create(user=user, municipality=town, role=role)
    return user


@pytest.fixture
def tax_a(town_a):
    from django_tenants.utils import tenant_context

    _enable(town_a)
    with tenant_context(town_a):
        yield town_a


@pytest.fixture
def tax_b(town_b):
    return _enable(town_b)


@pytest.fixture
def tax_clerk_a(tax_a):
    return _staff("tax-clerk-a", tax_a, "tax_clerk")


@pytest.fixture
def tax_chief_a(tax_a):
    return _staff("tax-chief-a", tax_a, "tax_chief")


@pytest.fixture
def tax_clerk_b(tax_b):
    return _staff("tax-clerk-b", tax_b, "tax_clerk")


@pytest.fixture
def tax_client_a(tax_clerk_a):
    return logged_in_client(tax_clerk_a, TOWN_A["hosts"][0])


@pytest.fixture
def tax_chief_client_a(tax_chief_a):
    return logged_in_client(tax_chief_a, TOWN_A["hosts"][0])


@pytest.fixture
def tax_client_b_on_a(tax_clerk_b):
    """Town B's 税務担当 on town A's host (the isolation fixture's other town)."""
    return logged_in_client(tax_clerk_b, TOWN_A["hosts"][0])


@pytest.fixture
def tax_client_b(tax_clerk_b):
    return logged_in_client(tax_clerk_b, TOWN_B["hosts"][0])
