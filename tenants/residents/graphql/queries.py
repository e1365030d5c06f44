"""The residents registry's root fields of the API: pages of persons, households and approved 異動,
and node lookups by id. Every read checks the caller first: a vendor needs the town and the
``residents`` dataset in its token and contract, staff need a reading role in the town."""

from __future__ import annotations

import datetime as dt

import graphene

from kyodo.api import ids
from kyodo.api.context import context_of
from kyodo.api.types import Page, after_key, keyset_page, page_size

from .. import permissions
from ..models import ON_REGISTER, Change, ChangeStatus, Household, PersonVersion
from .dataloaders import loader, produced, shown_persons, visible
from .types import HouseholdConnection, PersonConnection, ResidentChangeConnection

DATASET = "residents"
SLACK = 16  # rows read beyond the page so that persons left out rarely need a second read


def require(info) -> None:
    context_of(info).require_read(DATASET, staff_check=permissions.can_read)


def may_read(info) -> bool:
    return context_of(info).may_read(DATASET, staff_check=permissions.can_read)


def persons_page(info, *, first: int, after: int, include_former: bool) -> Page:
    """Current records in person order; persons under a 支援措置 are skipped, and the page is filled
    up from the rows after them (so a page is short only at the end)."""
    qs = PersonVersion.objects.filter(is_current=True).select_related("person")
    if not include_former:
        qs = qs.filter(status__in=ON_REGISTER)
    shown: list[PersonVersion] = []
    position, more = after, True
    while len(shown) <= first and more:
        want = first + 1 + SLACK - len(shown)
        batch = list(qs.filter(person_id__gt=position).order_by("person_id")[:want])
        more = len(batch) == want
        if not batch:
            break
        position = batch[-1].person_id
        shown.extend(visible(batch))
    has_next = len(shown) > first
    shown = produced(info, shown[:first])
    keys = [v.person_id for v in shown]
    return Page(shown, keys, has_next, "person", keys[-1] if keys else None)


class Query(graphene.ObjectType):
    persons = graphene.Field(
        PersonConnection, required=True, first=graphene.Int(), after=graphene.String(),
        include_former=graphene.Boolean(default_value=False,
                                        description="Also persons no longer on the register (消除・転出・死亡)."),
        description="住民: a page of persons of this town (at most 250 a page).")
    households = graphene.Field(HouseholdConnection, required=True, first=graphene.Int(), after=graphene.String(),
                                description="世帯: a page of the town's current households.")
    resident_changes = graphene.Field(
        ResidentChangeConnection, required=True, first=graphene.Int(), after=graphene.String(),
        effective_from=graphene.Date(description="Only 異動 effective on or after this date."),
        description="異動: approved changes of the registry, in order of entry.")

    def resolve_persons(self, info, first=None, after=None, include_former=False):
        require(info)
        return persons_page(info, first=page_size(first, path="first"), after=after_key(after, "person", info),
                            include_former=bool(include_former))

    def resolve_households(self, info, first=None, after=None):
        require(info)
        size = page_size(first, path="first")
        current = PersonVersion.objects.filter(is_current=True, status__in=ON_REGISTER).values("household_id")
        page = keyset_page(Household.objects.filter(pk__in=current), key="pk", after=after_key(after, "household", info),
                           first=size, kind="household")
        members = loader(info, "residents.members")
        members.want(page.keys)
        # A household whose every member is under a 支援措置 is left out like them (its number would say it exists).
        everyone = [m for key in page.keys for m in members.load(key, [])]
        shown = {m.household_id for m in visible(everyone)}
        kept = [(h, k) for h, k in zip(page.rows, page.keys, strict=True) if k in shown]
        return Page([h for h, _ in kept], [k for _, k in kept], page.has_next, page.kind, page.end_key)

    def resolve_resident_changes(self, info, first=None, after=None, effective_from: dt.date | None = None):
        require(info)
        size = page_size(first, path="first")
        qs = Change.objects.filter(status=ChangeStatus.APPROVED)
        if effective_from is not None:
            qs = qs.filter(effective_on__gte=effective_from)
        page = keyset_page(qs, key="pk", after=after_key(after, "change", info), first=size, kind="change")
        return _without_protected(info, page)


def _without_protected(info, page: Page) -> Page:
    """異動 that concern a person under a 支援措置 are left out (their dates and kind would tell when the
    person moved)."""
    from .. import protection

    everyone = {pid for c in page.rows for pid in c.person_ids}
    blocked = protection.inspect(everyone).blocked if everyone else set()
    kept = [(c, k) for c, k in zip(page.rows, page.keys, strict=True) if not set(c.person_ids) & blocked]
    loader(info, "residents.current").want(pid for c, _ in kept for pid in c.person_ids)
    return Page([c for c, _ in kept], [k for _, k in kept], page.has_next, page.kind, page.end_key)


def node_person(info, key: str):
    pk = ids.int_key(key)
    if pk is None or not may_read(info):
        return None
    row = loader(info, "residents.current").load(pk)
    shown = shown_persons(info, [row]) if row is not None else []
    return shown[0] if shown else None


def node_household(info, key: str):
    pk = ids.int_key(key)
    if pk is None or not may_read(info):
        return None
    household = loader(info, "residents.households").load(pk)
    if household is None:
        return None
    members = loader(info, "residents.members").load(pk, [])
    if members and not shown_persons(info, list(members)):
        return None  # every member is protected: the household is not shown either
    return household if members else None


def node_change(info, key: str):
    pk = ids.int_key(key)
    if pk is None or not may_read(info):
        return None
    change = loader(info, "residents.changes").load(pk)
    if change is None or change.status != ChangeStatus.APPROVED:
        return None
    page = _without_protected(info, Page([change], [change.pk], False, "change"))
    return page.rows[0] if page.rows else None
