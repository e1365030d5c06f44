"""A small graphene schema for the limit and cost tests: towns → households (世帯) → members, each a
relay connection, plus an unpaged list of objects, a scalar list, a union-free interface (Node) and a
mutation. Resolvers return real objects, so ``actual_cost`` runs on real execution data."""

from __future__ import annotations

import graphene
from graphene import relay


class Tag(graphene.ObjectType):
    label = graphene.String()


class Person(graphene.ObjectType):
    class Meta:
        interfaces = (relay.Node,)

    name = graphene.String()
    kana = graphene.String()
    household = graphene.Field(lambda: Household)


class PersonConnection(relay.Connection):
    class Meta:
        node = Person

    total_count = graphene.Int()


class Household(graphene.ObjectType):  # 世帯
    class Meta:
        interfaces = (relay.Node,)

    address = graphene.String()
    head = graphene.Field(Person)  # 世帯主
    members = relay.ConnectionField(PersonConnection)


class HouseholdConnection(relay.Connection):
    class Meta:
        node = Household


class Town(graphene.ObjectType):
    class Meta:
        interfaces = (relay.Node,)

    code = graphene.String()
    name = graphene.String()
    households = relay.ConnectionField(HouseholdConnection)
    tags = graphene.List(Tag)

    @classmethod
    def get_node(cls, info, id):
        return next((town for town in TOWNS if town.id == id), None)


class TownConnection(relay.Connection):
    class Meta:
        node = Town


def _data() -> list[Town]:
    towns = []
    for t in range(3):
        households = []
        for h in range(2):
            members = [Person(id=f"{t}-{h}-{p}", name=f"佐賀 {t}{h}{p}", kana="サガ") for p in range(2)]
            household = Household(id=f"{t}-{h}", address=f"{t}丁目{h}番", members=members, head=members[0])
            for member in members:
                member.household = household
            households.append(household)
        towns.append(Town(id=str(t), code=f"41206{t}", name=f"町{t}", households=households,
                          tags=[Tag(label="a"), Tag(label="b"), Tag(label="c")]))
    return towns


TOWNS = _data()


class Query(graphene.ObjectType):
    node = relay.Node.Field()
    towns = relay.ConnectionField(TownConnection)
    town = graphene.Field(Town, code=graphene.String(required=True))
    tags = graphene.List(Tag)
    numbers = graphene.List(graphene.Int)

    def resolve_towns(root, info, **kwargs):
        return TOWNS

    def resolve_town(root, info, code):
        return next((town for town in TOWNS if town.code == code), None)

    def resolve_tags(root, info):
        return [Tag(label="x"), Tag(label="y"), Tag(label="z")]

    def resolve_numbers(root, info):
        return [1, 2, 3]


class RenameTown(graphene.Mutation):
    class Arguments:
        code = graphene.String(required=True)
        name = graphene.String(required=True)

    town = graphene.Field(Town)

    def mutate(root, info, code, name):
        town = next((town for town in TOWNS if town.code == code), None)
        return RenameTown(town=Town(id=town.id, code=town.code, name=name) if town else None)


class Mutation(graphene.ObjectType):
    rename_town = RenameTown.Field()


def build() -> graphene.Schema:
    return graphene.Schema(query=Query, mutation=Mutation, types=[Person, Household, Town])
