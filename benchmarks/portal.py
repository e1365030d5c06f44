"""Benchmark `portal`: server time of the staff portal's pages in a town of 100,000 persons, through
the whole Django stack (middleware, access checks, the view, selectors with their audit records,
templates and components), with Django's test client on the town's host.

- ``page_p95_ms``: the p95 of every page request (search with results, person, household, approval
  queue, change page, 交付履歴, 閲覧, 支援措置 and 警告 as a section chief); per page in ``pages``.
- ``search_typing_p95_ms``: search as you type: the htmx request for each growing prefix of a
  name typed in ひらがな (the results part only).
Baseline, in the same run: the same requests with the template components replaced by plain
rendering (``KYODO_PLAIN_COMPONENTS``: the ``kyodo_ui`` tags render a bare label and input, a bare
``<div>``, bare page links), interleaved request by request with the component pages, so the ratio
is what the design-system components cost. The pages' selector calls alone (no HTTP, view or
template) are reported beside it as ``selectors_p95_ms``.
"""

from __future__ import annotations

import argparse
import datetime
import random
import time

from .common import django_ready, emit, p95, scratch_database, town_codes


def _ms(fn, *args, **kwargs) -> float:
    started = time.perf_counter()
    fn(*args, **kwargs)
    return (time.perf_counter() - started) * 1000


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks portal")
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=40, help="requests per page")
    args = parser.parse_args(argv)

    with scratch_database():
        django_ready()
        import jaconv
        from django.contrib.auth import get_user_model
        from django.test import Client, override_settings
        from django_tenants.utils import tenant_context

        from kyodo.identity.models import StaffMembership
        from kyodo.tenancy import services as tenancy
        from kyodo.tenancy.db import use_public_schema
        from tenants.residents import selectors, services
        from tenants.residents.demo import residents_demo_populate
        from tenants.residents.models import PersonVersion

        code = next(town_codes(1, start=42301))
        host = f"t{code}.localhost"
        town = tenancy.municipality_provision(actor=None, code=code, name="計測町", name_kana="ケイソクチョウ",
                                              hosts=[host], applications=["residents"])
        users = get_user_model().objects
        clerk = users.create_user("bench-portal-clerk", password="bench-password-1", last_name="計測", first_name="窓口")
        chief = users.create_user("bench-portal-chief", password="bench-password-1", last_name="計測", first_name="課長")
        StaffMembership.objects.create(user=clerk, municipality=town, role="counter_clerk")
        StaffMembership.objects.create(user=chief, municipality=town, role="section_chief")
        residents_demo_populate(town=town, scale=args.persons / 10_000, seed=5)
        rng = random.Random(13)
        with tenant_context(town):
            rows = list(PersonVersion.objects.filter(is_current=True).values_list(
                "person_id", "household_id", "family_name_kana", "given_name_kana"))
            sample = rng.sample(rows, args.samples)
            for person_id, *_ in rng.sample(rows, 50):
                services.support_measure_create(actor=chief, town=town, person_id=person_id, starts_on="2024-04-01")
            protected = selectors.protection.protected_person_ids(r[0] for r in rows)
            open_rows = [r for r in sample if r[0] not in protected]
            # dated today: the synthetic history runs up to today, so any fixed day may precede a person's last change
            today = datetime.date.today().isoformat()
            change = services.change_submit(actor=clerk, town=town, kind="relocation", notified_on=today,
                                            effective_on=today, data={
                                                "household_id": open_rows[0][1], "address": "計測町大字本町1番地"})
        use_public_schema()

        client = Client(HTTP_HOST=host)
        client.force_login(chief)
        pages = {
            "search": lambda r: f"/residents/?q={jaconv.kata2hira(r[2])}",
            "person": lambda r: f"/residents/persons/{r[0]}/",
            "household": lambda r: f"/residents/households/{r[1]}/",
            "queue": lambda r: "/residents/changes/",
            "change": lambda r: f"/residents/changes/{change.pk}/",
            "issuances": lambda r: "/residents/certificates/",
            "inspections": lambda r: "/residents/inspections/",
            "measures": lambda r: "/residents/measures/",
            "alerts": lambda r: "/residents/alerts/",
        }
        for name, url in pages.items():  # warm-up: templates, caches, connections
            response = client.get(url(open_rows[0]))
            assert response.status_code == 200, (name, response.status_code, response.content[:300].decode(errors="replace"))
        plain = override_settings(KYODO_PLAIN_COMPONENTS=True)
        with plain:  # the plain pages answer too (and warm their own template paths)
            for name, url in pages.items():
                assert client.get(url(open_rows[0])).status_code == 200, name
        per_page: dict[str, list[float]] = {name: [] for name in pages}
        plain_pages: list[float] = []
        for row in open_rows:
            for name, url in pages.items():
                per_page[name].append(_ms(client.get, url(row)))
                with plain:
                    plain_pages.append(_ms(client.get, url(row)))
        typing: list[float] = []
        plain_typing: list[float] = []
        for _, _, family, given in open_rows:
            text = jaconv.kata2hira(family + given)
            for end in range(1, min(len(text), 5) + 1):
                typing.append(_ms(client.get, "/residents/", {"q": text[:end]}, HTTP_HX_REQUEST="true"))
                with plain:
                    plain_typing.append(_ms(client.get, "/residents/", {"q": text[:end]}, HTTP_HX_REQUEST="true"))

        with tenant_context(town):
            data = {
                "search": lambda r: selectors.persons_search(actor=chief, town=town, query=jaconv.kata2hira(r[2])),
                "person": lambda r: selectors.person_get(actor=chief, town=town, person_id=r[0]),
                "household": lambda r: selectors.household_get(actor=chief, town=town, household_id=r[1]),
                "queue": lambda r: selectors.changes_pending(actor=chief, town=town),
                "change": lambda r: selectors.change_get(actor=chief, town=town, change_id=change.pk),
                "issuances": lambda r: selectors.issuances_list(actor=chief, town=town),
                "inspections": lambda r: selectors.inspection_requests_list(actor=chief, town=town),
                "measures": lambda r: (selectors.measures_list(actor=chief, town=town),
                                       selectors.measure_alerts(actor=chief, town=town)),
                "alerts": lambda r: selectors.blocked_attempts(actor=chief, town=town),
            }
            baseline: list[float] = []
            for row in open_rows:
                for fn in data.values():
                    baseline.append(_ms(fn, row))
            count = len(rows)
        use_public_schema()

    every = [ms for samples in per_page.values() for ms in samples]
    page, base, data_only = p95(every), p95(plain_pages), p95(baseline)
    kind = "the same requests, template components rendered plain (KYODO_PLAIN_COMPONENTS), interleaved"
    emit("portal", "page_p95_ms", page, "ms", base, base / page, persons=count, samples=len(every),
         pages={name: round(p95(samples), 1) for name, samples in per_page.items()},
         baseline_kind=kind, selectors_p95_ms=round(data_only, 3), goal="<=150 ms")
    typed, plain_typed = p95(typing), p95(plain_typing)
    emit("portal", "search_typing_p95_ms", typed, "ms", plain_typed, plain_typed / typed, persons=count,
         samples=len(typing), baseline_kind=kind, goal="<=100 ms")
    return 0
