"""Benchmark `distribution`: 業務配分 (online applications' tasks distributed by idle time).

- ``plan_10k_s``: the day's plan (``services.plan_day``: the calendar and the pending tasks read in a few
  queries, the planner in Python, one UPDATE per office, the history rows bulk inserted, the plan stored, one
  audit record) for 20 towns × 14 offices holding 10,000 pending tasks in all (500 a town), each town in its
  own schema; run twice (the tasks put back to 受付 between), the second reported. Baseline, same run, same
  tasks: assigning them one by one — for each task, the offices' load of the day read with an aggregate
  query and the task saved with its own ORM UPDATE (the same choice rule).
- ``intake_apps_s``: 転居 applications of real residents handed in through ``/graphql/`` with a real
  client-credentials token of the development IdP, through the whole Django stack (token, reach, limits,
  validation against the registry, the tasks and their 仮登録 drafts, the audit record), as the 申請管理 system
  sends them in bulk: ``onlineApplicationsSubmit`` with 100 applications a request; applications per second.
  Baseline, same run: one application a request (``onlineApplicationSubmit``), also reported as
  ``single_apps_s``; ``in_process_single_apps_s`` is ``intake.application_receive`` called in a loop (no HTTP).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

from .common import django_ready, emit, free_port, scratch_database, town_codes

TOWNS, OFFICES, TASKS_PER_TOWN = 20, 14, 500
CLIENT, SECRET = "intake-bench", "bench-intake-secret-not-for-production"
PORTAL_SECRET = "bench-portal-secret-not-for-production"
SUBMIT = """mutation Submit($input: OnlineApplicationInput!) { onlineApplicationSubmit(input: $input) {
  task { applicationId status } errors { field messageJa } replayed } }"""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks distribution")
    parser.add_argument("--towns", type=int, default=TOWNS)
    parser.add_argument("--tasks-per-town", type=int, default=TASKS_PER_TOWN)
    parser.add_argument("--applications", type=int, default=1_000)
    args = parser.parse_args(argv)
    import logging
    import os

    import redis as redis_lib

    logging.getLogger("kyodo.api").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="kyodo-bench-idp-") as idp_dir, scratch_database():
        from integrations.keycloak.devidp import PORTAL_CLIENT_ID, start_dev_idp, stop_dev_idp

        codes = list(town_codes(args.towns, start=42701))  # imports kyodo: only inside the scratch database
        realm: dict = {"realm": "kyodo", "groups": [], "users": [], "clients": [
            {"clientId": PORTAL_CLIENT_ID, "secret": PORTAL_SECRET, "publicClient": False,
             "standardFlowEnabled": True, "redirectUris": ["http://localhost/oidc/callback/"]},
            {"clientId": CLIENT, "secret": SECRET, "serviceAccountsEnabled": True, "standardFlowEnabled": False,
             "defaultClientScopes": [f"town-{codes[0]}", "dataset-assignments:write"]}]}
        env, idp = start_dev_idp(Path(idp_dir) / "state", free_port(), realm)
        broker = redis_lib.Redis.from_url(os.environ["REDIS_URL"])
        keys_before = set(broker.keys("*"))
        try:
            django_ready()
            towns = _towns(codes)
            plan = _plan(towns, args.tasks_per_town)
            intake = _intake(towns[0], args.applications, env["KYODO_OIDC_ISSUER"], PORTAL_CLIENT_ID)
        finally:
            stop_dev_idp(idp)
            new = set(broker.keys("*")) - keys_before
            if new:
                broker.delete(*new)
    emit("distribution", "plan_10k_s", plan["runs"][-1], "s", plan["baseline"], plan["baseline"] / plan["runs"][-1],
         towns=len(codes), offices=len(codes) * OFFICES, tasks=plan["tasks"], assigned=plan["assigned"],
         runs_s=[round(r, 3) for r in plan["runs"]], baseline_assigned=plan["baseline_assigned"],
         baseline_kind="one task at a time: an aggregate query for the offices' load and an ORM UPDATE per task",
         goal="<=1 s")
    emit("distribution", "intake_apps_s", intake["batched"], "apps/s", intake["api"], intake["batched"] / intake["api"],
         applications=intake["count"], per_request=100, single_apps_s=round(intake["api"], 1),
         in_process_single_apps_s=round(intake["direct"], 1),
         principal="real dev-IdP client-credentials token, introspected once, then the view's principal cache",
         baseline_kind="the same applications one per request (onlineApplicationSubmit)", goal=">=500 apps/s")
    return 0


def _towns(codes: list[str]) -> list:
    from kyodo.tenancy import services as tenancy

    return [tenancy.municipality_provision(actor=None, code=code, name=f"計測町{i}", name_kana="ケイソクチョウ",
                                           hosts=[f"t{code}.localhost"], applications=["residents", "assignments"])
            for i, code in enumerate(codes)]


def _manager(town, name: str):
    from django.contrib.auth import get_user_model

    from kyodo.identity.models import StaffMembership

    user = get_user_model().objects.create_user(name, password="bench-password-1", last_name="計測")
    StaffMembership.objects.create(user=user, municipality=town, role="approver")
    return user


def _plan(towns: list, per_town: int) -> dict:
    import random

    from django.db.models import Sum
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from kyodo.tenancy.db import use_public_schema
    from tenants.assignments import services
    from tenants.assignments.models import CalendarDay, Office, Plan, Task, TaskEvent

    day = dt.date(2026, 12, 3)
    rng = random.Random(9)
    managers = {t.pk: _manager(t, f"bench-plan-{t.code}") for t in towns}
    for town in towns:
        with tenant_context(town):
            created = Office.objects.bulk_create([
                Office(code=f"o{i:02d}", name=f"庁舎{i}", kind="main" if i == 0 else "branch",
                       opens_at=dt.time(8, 30), closes_at=dt.time(17, 15)) for i in range(OFFICES)])
            CalendarDay.objects.bulk_create([
                CalendarDay(office=o, day=day, staff_on_duty=rng.randint(1, 8), fixed_minutes=rng.choice((45, 60, 90)),
                            counter_minutes=rng.randint(100, 1500), busy=rng.choice(("1.0", "1.1", "1.3")))
                for o in created])
            now = timezone.now()
            Task.objects.bulk_create([
                Task(application_id=f"B-{town.code}-{i:05d}", kind="relocation", minutes=rng.choice((15, 25, 30, 35)),
                     received_at=now - dt.timedelta(minutes=rng.randint(1, 5000)), due_on=day + dt.timedelta(days=rng.randint(0, 5)),
                     summary="計測") for i in range(per_town)], batch_size=5000)
    use_public_schema()

    def reset():
        for town in towns:
            with tenant_context(town):
                TaskEvent.objects.all().delete()
                Plan.objects.all().delete()
                Task.objects.update(status="received", office=None, planned_on=None, taken_by="")
        use_public_schema()

    runs, assigned = [], 0
    for _ in range(2):
        reset()
        started = time.perf_counter()
        assigned = 0
        for town in towns:
            with tenant_context(town):
                assigned += services.plan_day(actor=managers[town.pk], town=town, day=day).assigned
        runs.append(time.perf_counter() - started)
    use_public_schema()
    reset()
    started = time.perf_counter()
    baseline_assigned = 0
    for town in towns:
        with tenant_context(town):
            idle = {o.code: o.idle_minutes for o in services.office_days(day)}
            offices = {o.code: o for o in Office.objects.all()}
            for task in Task.objects.filter(status="received").order_by("due_on", "received_at", "pk"):
                load = dict(Task.objects.filter(planned_on=day).values_list("office__code").annotate(m=Sum("minutes"))
                            .order_by())
                best = None
                for code in sorted(idle):
                    used = load.get(code) or 0
                    if used + task.minutes > idle[code]:
                        continue
                    if best is None or (used + task.minutes) * idle[best] < ((load.get(best) or 0) + task.minutes) * idle[code]:
                        best = code
                if best is None:
                    continue
                task.office, task.status, task.planned_on = offices[best], "assigned", day
                task.save(update_fields=["office", "status", "planned_on"])
                baseline_assigned += 1
    baseline = time.perf_counter() - started
    use_public_schema()
    return {"runs": runs, "baseline": baseline, "tasks": len(towns) * per_town, "assigned": assigned,
            "baseline_assigned": baseline_assigned}


def _intake(town, count: int, issuer: str, portal_client: str) -> dict:
    import requests
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from kyodo.api.throttle import _redis
    from kyodo.identity.conf import oidc_django_settings
    from kyodo.identity.models import ServiceAccount
    from kyodo.tenancy.db import use_public_schema
    from tenants.assignments import intake
    from tenants.assignments.models import Task
    from tenants.residents.demo import residents_demo_populate
    from tenants.residents.models import ON_REGISTER, PersonVersion

    for key, value in oidc_django_settings(issuer=issuer, client_id=portal_client, client_secret=PORTAL_SECRET,
                                           recheck_seconds=0).items():
        setattr(settings, key, value)
    ServiceAccount.objects.update_or_create(client_id=CLIENT, defaults={
        "vendor_name": "計測 申請管理", "municipality_codes": [town.code], "datasets": ["assignments:write"],
        "active": True})
    residents_demo_populate(town=town, scale=max(count * 2, 2_000) / 10_000, seed=4)
    with tenant_context(town):
        rows = list(PersonVersion.objects.filter(is_current=True, status__in=ON_REGISTER)
                    .values_list("person__atena_number", "birth_date")[: count * 2])
    use_public_schema()
    received = (timezone.now() - dt.timedelta(hours=1)).isoformat(timespec="seconds")

    def record(i: int, prefix: str) -> dict:
        atena, birth = rows[i % len(rows)]
        return {"application_id": f"{prefix}-{i:06d}", "kind": "relocation", "received_at": received,
                "applicant": {"atena_number": atena, "birth_date": birth.isoformat(), "name": "計測"},
                "details": {"effective_on": "2026-11-30", "address": f"計測町{i}番地"}}

    token = requests.post(f"{issuer}/protocol/openid-connect/token", timeout=10, data={"grant_type": "client_credentials"},
                          auth=(CLIENT, SECRET)).json()["access_token"]
    cache.clear()
    client = Client(HTTP_HOST=f"t{town.code}.localhost")
    bodies = []
    for i in range(count):
        r = record(i, "API")
        bodies.append(json.dumps({"query": SUBMIT, "variables": {"input": {
            "applicationId": r["application_id"], "kind": r["kind"], "receivedAt": r["received_at"],
            "applicant": {"atenaNumber": r["applicant"]["atena_number"], "birthDate": r["applicant"]["birth_date"],
                          "name": "計測"}, "details": r["details"]}}}))
    warm = client.post("/graphql/", data=bodies[0], content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert warm.status_code == 200 and '"errors":[]' in warm.content.decode().replace(" ", ""), warm.content[:400]
    elapsed = 0.0
    for body in bodies[1:]:
        for key in _redis().scan_iter("kyodo:api:bucket:*"):  # outside the timing: nothing is throttled
            _redis().delete(key)
        started = time.perf_counter()
        answer = client.post("/graphql/", data=body, content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {token}")
        elapsed += time.perf_counter() - started
        assert answer.status_code == 200, answer.content[:300]
    api_rate = (count - 1) / elapsed
    many = """mutation Many($inputs: [OnlineApplicationInput!]!) { onlineApplicationsSubmit(inputs: $inputs) {
      tasks { applicationId } replayed errors { field messageJa } } }"""
    batched_elapsed = 0.0
    for start in range(0, count, 100):
        inputs = []
        for i in range(start, min(count, start + 100)):
            r = record(i, "MANY")
            inputs.append({"applicationId": r["application_id"], "kind": r["kind"], "receivedAt": r["received_at"],
                           "applicant": {"atenaNumber": r["applicant"]["atena_number"],
                                         "birthDate": r["applicant"]["birth_date"], "name": "計測"},
                           "details": r["details"]})
        body = json.dumps({"query": many, "variables": {"inputs": inputs}})
        for key in _redis().scan_iter("kyodo:api:bucket:*"):
            _redis().delete(key)
        started = time.perf_counter()
        answer = client.post("/graphql/", data=body, content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {token}")
        batched_elapsed += time.perf_counter() - started
        assert answer.status_code == 200 and '"errors":[]' in answer.content.decode().replace(" ", ""), \
            answer.content[:400]
    batched = count / batched_elapsed
    manager = _manager(town, "bench-intake-manager")
    with tenant_context(town):
        started = time.perf_counter()
        for i in range(count - 1):
            intake.application_receive(actor=manager, town=town, record=record(i, "DIRECT"))
        direct = (count - 1) / (time.perf_counter() - started)
        assert Task.objects.filter(application_id__startswith="API-").count() == count
        assert Task.objects.filter(application_id__startswith="MANY-").count() == count
    use_public_schema()
    return {"api": api_rate, "batched": batched, "direct": direct, "count": count, "seconds": elapsed}
