"""The residents registry's part of the vendor API (docs/api.md), declared in app.py (``graphql``)."""

from __future__ import annotations

from .. import permissions
from .feed import FEED
from .mutations import Mutation
from .queries import Query, node_change, node_household, node_person
from .types import Household, Person, ResidentChange

NODES = {"Person": node_person, "Household": node_household, "ResidentChange": node_change}
TYPES = (Person, Household, ResidentChange)
STAFF_READS = {"residents": permissions.can_read}
# Unpaged lists, by their usual length (the query cost counts them so): a household's members, a
# person's history rows, the persons of one 異動.
LIST_SIZES = {"Household.members": 4, "Person.history": 4, "ResidentChange.persons": 2}

__all__ = ["FEED", "NODES", "LIST_SIZES", "STAFF_READS", "TYPES", "Mutation", "Query"]
