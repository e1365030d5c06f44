"""Benchmark `load`: the whole consortium at work, over real HTTP — six towns' staff signing in through
the OpenID provider and working in the portal, and vendors reading through GraphQL, all at once, with
locust (``benchmarks/load_users.py``, a process of its own) against the production application server
(gunicorn with ``kyodo.gunicorn_conf``, as ``kyodo demo`` and the compose file run it).

Set-up, in a throw-away database: ``--towns`` towns of ``--persons`` synthetic residents each, ``--staff``
staff per town (``--chiefs`` of them section chiefs, the others 窓口 clerks) in the development OpenID
provider's realm with their town's groups, and ``--vendors`` vendors, each contracted for one or two towns
(client-credentials clients with town and dataset scopes, and their ``ServiceAccount``).

- ``portal_p95_ms``: p95 of every portal request of the staff (search, search as you type, person,
  household, 転居 form and entry, approval queue, 異動, approval; sign-in's own two requests at Kyodo too).
- ``graphql_p95_ms``: p95 of every vendor GraphQL request (persons pages, change feed, the refused
  town outside the contract).
- ``errors``: failed requests of both, a page naming another town or a refused town answering included.
Each with p50/p95/p99 and requests per action, and req/s. The provider's own requests (login form,
tokens) are reported apart (``provider_p95_ms``): they are not Kyodo's.

Baseline, in the same run: the same users, plan and duration against Django's development server
(``manage.py runserver --noreload``, one process, a thread per request) on the same database. Afterwards
every town's audit chains and the platform's are verified, and the portal's reads are counted in them.

Both servers run in debug mode (KYODO_DEBUG=1, generated secrets): production's cookies are ``Secure``
and would need TLS in front of the loopback port.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .common import ROOT, django_ready, emit, free_port, percentile, scratch_database, town_codes

PASSWORD = "load-bench-password-not-for-production"
PORTAL_SECRET = "load-bench-portal-secret-not-for-production"
TOWN_NAMES = ("負荷東町", "負荷西町", "負荷南町", "負荷北町", "負荷中町", "負荷浜町", "負荷山町", "負荷川町")
GOAL_MS = 300
SIGN_IN = ("login: start", "login: callback")
PROVIDER = ("login: provider", "token:")  # requests to the provider, not to Kyodo


def _plan_people(args, towns: list[dict]) -> tuple[list[dict], list[dict]]:
    """The plan's staff (realm users with their town's group) and vendors (client-credentials clients)."""
    staff = []
    for town in towns:
        for i in range(args.staff):
            chief = i < args.chiefs
            staff.append({"username": f"load-{town['code']}-{i:02d}", "town": town["code"],
                          "role": "section_chief" if chief else "counter_clerk",
                          "chief_index": i if chief else None, "chiefs": args.chiefs})
    vendors = []
    codes = [t["code"] for t in towns]
    for v in range(args.vendors):
        mine = [codes[v % len(codes)]] + ([codes[(v + 1) % len(codes)]] if v % 2 and len(codes) > 2 else [])
        vendors.append({"client_id": f"vendor-load-{v}", "secret": f"load-vendor-{v}-secret-not-for-production",
                        "towns": mine})
    return staff, vendors


def _realm(towns: list[dict], staff: list[dict], vendors: list[dict], ports: list[int]) -> dict:
    from integrations.keycloak.devidp import PORTAL_CLIENT_ID

    hosts = [f"{t['host']}:{port}" for t in towns for port in ports]
    return {
        "realm": "kyodo",
        "groups": [{"name": "towns", "subGroups": [
            {"name": t["code"], "subGroups": [{"name": r} for r in ("counter_clerk", "section_chief")]}
            for t in towns]}],
        "users": [{"username": s["username"], "enabled": True, "lastName": "負荷", "firstName": f"職員{n:03d}",
                   "email": f"{s['username']}@example.jp",
                   "credentials": [{"type": "password", "value": PASSWORD}],
                   "groups": [f"/towns/{s['town']}/{s['role']}"]} for n, s in enumerate(staff)],
        "clients": [{"clientId": PORTAL_CLIENT_ID, "secret": PORTAL_SECRET, "publicClient": False,
                     "standardFlowEnabled": True, "redirectUris": [f"http://{h}/oidc/callback/" for h in hosts]}]
        + [{"clientId": v["client_id"], "secret": v["secret"], "serviceAccountsEnabled": True,
            "standardFlowEnabled": False,
            "defaultClientScopes": [f"town-{c}" for c in v["towns"]] + ["dataset-residents"]} for v in vendors],
    }


def _prepare(args) -> tuple[list[dict], list[dict], list[dict]]:
    """The towns with their residents, and the sample of persons the staff look at (none protected)."""
    import jaconv
    from django_tenants.utils import tenant_context

    from kyodo.identity.models import ServiceAccount
    from kyodo.tenancy import services as tenancy
    from kyodo.tenancy.db import use_public_schema
    from tenants.residents import selectors
    from tenants.residents.demo import residents_demo_populate
    from tenants.residents.models import PersonVersion

    towns = []
    for n, code in enumerate(town_codes(args.towns, start=42601)):
        town = tenancy.municipality_provision(actor=None, code=code, name=TOWN_NAMES[n], name_kana="フカチョウ",
                                              hosts=[f"t{code}.localhost"], applications=["residents"])
        residents_demo_populate(town=town, scale=args.persons / 10_000, seed=11 + n)
        rng = random.Random(code)
        with tenant_context(town):
            rows = list(PersonVersion.objects.filter(is_current=True, status="resident").values_list(
                "person_id", "household_id", "family_name_kana"))
            protected = selectors.protection.protected_person_ids(r[0] for r in rows)
        use_public_schema()
        rows = [r for r in rows if r[0] not in protected]
        rng.shuffle(rows)
        households: dict[int, int] = {}
        for person_id, household_id, _ in rows:
            households.setdefault(household_id, person_id)
        towns.append({"code": code, "name": TOWN_NAMES[n], "host": f"t{code}.localhost", "town": town,
                      "people": [[p, h, jaconv.kata2hira(k)] for p, h, k in rows[:500] if k],
                      "movers": list(households.values())})
    staff, vendors = _plan_people(args, towns)
    for v in vendors:
        ServiceAccount.objects.update_or_create(client_id=v["client_id"], defaults={
            "vendor_name": f"負荷試験ベンダー {v['client_id']}", "municipality_codes": v["towns"],
            "datasets": ["residents"], "persisted_queries_only": False, "active": True})
    return towns, staff, vendors


def _plan(args, towns, staff, vendors, issuer: str, *, run: int) -> dict:
    """What load_users.py reads: no Django objects, only what a browser or a vendor would know. Each run
    (``run`` 0 the baseline, 1 gunicorn) relocates its own households: a second 転居 of a person whose
    first is still pending would be refused, rightly, and count as an error."""
    clerks_of: dict[str, list[dict]] = {}
    for s in staff:
        if s["role"] == "counter_clerk":
            clerks_of.setdefault(s["town"], []).append(s)
    plan_staff = []
    for s in staff:
        entry = dict(s)
        if s["role"] == "counter_clerk":
            town = next(t for t in towns if t["code"] == s["town"])
            clerks = clerks_of[s["town"]]
            entry["relocate"] = town["movers"][run::2][clerks.index(s)::len(clerks)][:args.relocations]
        plan_staff.append(entry)
    host_of = {t["code"]: t["host"] for t in towns}
    return {
        "password": PASSWORD, "token_endpoint": f"{issuer}/protocol/openid-connect/token",
        "think_min_s": args.think[0], "think_max_s": args.think[1],
        "vendor_think_min_s": args.vendor_think[0], "vendor_think_max_s": args.vendor_think[1],
        "towns": [{k: t[k] for k in ("code", "name", "host", "people")} for t in towns],
        "staff": plan_staff,
        "vendors": [{"client_id": v["client_id"], "secret": v["secret"], "hosts": [host_of[c] for c in v["towns"]],
                     "outside": [t["host"] for t in towns if t["code"] not in v["towns"]]} for v in vendors],
    }


def _wait_healthy(port: int, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while True:
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": "localhost"})
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            raise RuntimeError(f"the server did not start: {log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.3)


def _run(kind: str, argv: list[str], port: int, env: dict, plan_file: Path, work: Path, args) -> dict:
    """Start the server, let locust's users work for ``--duration`` seconds, stop both; the samples."""
    log = work / f"{kind}.log"
    server = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        _wait_healthy(port, server, log)
        samples_file = work / f"{kind}-samples.json"
        users = len(json.loads(plan_file.read_text())["staff"]) + args.vendors
        locust_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "KYODO"))}
        locust_env.update(KYODO_LOAD_PLAN=str(plan_file), KYODO_LOAD_SAMPLES=str(samples_file))
        locust_log = work / f"{kind}-locust.log"
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("load_users.py")), "--headless",
             "-u", str(users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s", "--stop-timeout", "30",
             "--host", f"http://127.0.0.1:{port}", "--only-summary", "--loglevel", "WARNING"],
            env=locust_env, cwd=work, stdout=locust_log.open("wb"), stderr=subprocess.STDOUT, timeout=args.duration + 600)
        seconds = time.monotonic() - started
        if not samples_file.exists():
            raise RuntimeError(f"locust left no samples (exit {result.returncode}): "
                               f"{locust_log.read_text(errors='replace')[-3000:]}")
        data = json.loads(samples_file.read_text())
        data["seconds"] = seconds
        data["locust_log"] = locust_log.read_text(errors="replace")
        data["server_log"] = log
        if any(failed for _, _, failed in data["samples"]):
            # what the server said about the failures (the work directory goes at the end of the run)
            lines = [line for line in log.read_text(errors="replace").splitlines()
                     if " WARNING " in line or " ERROR " in line or "Traceback" in line]
            print(f"{kind}: requests failed; the server's warnings and errors:", *lines[-40:], sep="\n",
                  file=sys.stderr)
            provider = (work / "idp" / "idp.log").read_text(errors="replace").splitlines()
            print("the provider's errors:", *[line for line in provider if "Error" in line][-20:], sep="\n",
                  file=sys.stderr)
        return data
    finally:
        from integrations.keycloak.devidp import stop_dev_idp

        stop_dev_idp(server)  # stops any process group it started: TERM, then KILL after 15 s


def _summary(data: dict) -> dict:
    """Figures per group of requests. The portal's and GraphQL's are of the steady state, once every user
    has been started (while they are, 100+ sign-ins hash their passwords at the provider on the same
    two cores); sign-in's own requests at Kyodo are a group of their own, whenever they happened."""
    steady_from = data["steady_from"]
    by_name: dict[str, list[tuple[float, int]]] = {}
    for index, (name, ms, failed) in enumerate(data["samples"]):
        if index >= steady_from or name.startswith(SIGN_IN + PROVIDER):
            by_name.setdefault(name, []).append((ms, failed))

    def group(prefixes: tuple[str, ...]) -> dict:
        names = sorted(n for n in by_name if n.startswith(prefixes))
        every = [ms for n in names for ms, _ in by_name[n]]
        return {
            "p50": percentile(every, 0.50), "p95": percentile(every, 0.95), "p99": percentile(every, 0.99),
            "requests": len(every), "errors": sum(f for n in names for _, f in by_name[n]),
            "actions": {n: {"requests": len(by_name[n]), "errors": sum(f for _, f in by_name[n]),
                            "p50_ms": round(percentile([m for m, _ in by_name[n]], 0.50), 1),
                            "p95_ms": round(percentile([m for m, _ in by_name[n]], 0.95), 1),
                            "p99_ms": round(percentile([m for m, _ in by_name[n]], 0.99), 1)} for n in names},
        }

    every_error = sum(failed for _, _, failed in data["samples"])
    return {"portal": group(("portal:",)), "graphql": group(("graphql:",)), "sign_in": group(SIGN_IN),
            "provider": group(PROVIDER), "throttled": data["throttled"],
            "seconds": data["seconds"], "steady_seconds": data["steady_seconds"], "errors_whole_run": every_error,
            "ramp_requests": steady_from}


def _failures(data: dict) -> str:
    """locust's own table of failures, for the report when a run had errors."""
    text = data["locust_log"]
    start = text.find("Error report")
    return text[start:start + 3000] if start >= 0 else ""


def _audit_check(towns: list[dict]) -> dict:
    from django_tenants.utils import tenant_context

    from kyodo.audit.services import platform_audit_verify
    from kyodo.tenancy.db import use_public_schema
    from kyodo.tenantlog import audit
    from kyodo.tenantlog.models import AuditEntry

    reports, reads = [], 0
    for t in towns:
        with tenant_context(t["town"]):
            reports += audit.verify_all(t["town"])
            reads += AuditEntry.objects.filter(actor_kind__in=("staff", "vendor")).count()
    use_public_schema()
    platform = platform_audit_verify()
    broken = [r for r in reports + [platform] if not r.ok]
    return {"chains": len(reports) + 1, "entries_checked": sum(r.entries_checked for r in reports + [platform]),
            "broken": [f"{r.chain}: seq {r.first_broken_seq} {r.reason}" for r in broken],
            "staff_and_vendor_entries": reads}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks load")
    parser.add_argument("--towns", type=int, default=6)
    parser.add_argument("--persons", type=int, default=3_000, help="residents per town")
    parser.add_argument("--staff", type=int, default=20, help="staff per town")
    parser.add_argument("--chiefs", type=int, default=4, help="of them section chiefs (the others clerks)")
    parser.add_argument("--vendors", type=int, default=5)
    parser.add_argument("--duration", type=int, default=180, help="seconds of load per server, sign-ins included")
    parser.add_argument("--spawn-rate", type=float, default=2,
                        help="users started (signing in) per second: the provider shares the two cores")
    parser.add_argument("--think", type=float, nargs=2, default=(10.0, 30.0), metavar=("MIN", "MAX"),
                        help="seconds a member of staff waits between actions (at the counter, a resident "
                             "in front of them: one action every 20 s on average)")
    parser.add_argument("--vendor-think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"))
    parser.add_argument("--relocations", type=int, default=30, help="転居 a clerk may enter at most")
    parser.add_argument("--no-baseline", action="store_true", help="skip the development-server run")
    args = parser.parse_args(argv)
    if not 1 <= args.towns <= len(TOWN_NAMES) or not 0 < args.chiefs < args.staff:
        parser.error(f"--towns must be 1..{len(TOWN_NAMES)} and --chiefs between 1 and --staff - 1")

    import redis as redis_lib

    web_port, dev_port, idp_port = free_port(), free_port(), free_port()
    with tempfile.TemporaryDirectory(prefix="kyodo-bench-load-") as tmp, scratch_database():
        work = Path(tmp)
        from integrations.keycloak.devidp import start_dev_idp, stop_dev_idp

        broker = redis_lib.Redis.from_url(os.environ["REDIS_URL"])
        keys_before = set(broker.keys("*"))
        idp = None
        try:
            django_ready()
            started = time.monotonic()
            towns, staff, vendors = _prepare(args)
            setup_s = time.monotonic() - started
            # The provider hashes passwords with fewer PBKDF2 iterations here (devidp/hashers.py): it shares
            # the two cores with the server measured, and Django's default costs half a CPU-second a sign-in.
            idp_env, idp = start_dev_idp(work / "idp", idp_port, _realm(towns, staff, vendors, [web_port, dev_port]),
                                         timeout=900, extra_env={"KYODO_DEVIDP_PBKDF2_ITERATIONS": "20000"})
            plans = []
            for run in (0, 1):
                plans.append(work / f"plan-{run}.json")
                plans[run].write_text(json.dumps(_plan(args, towns, staff, vendors, idp_env["KYODO_OIDC_ISSUER"],
                                                       run=run), ensure_ascii=False))
            env = dict(os.environ, **idp_env, KYODO_DEBUG="1",
                       PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]))
            from django.db import connections

            connections.close_all()  # the servers have the database to themselves while they run
            runs = {}
            if not args.no_baseline:
                runs["baseline"] = _run("runserver", [sys.executable, str(ROOT / "manage.py"), "runserver",
                                                      "--noreload", f"127.0.0.1:{dev_port}"],
                                        dev_port, env, plans[0], work, args)
            runs["gunicorn"] = _run("gunicorn", [sys.executable, "-m", "gunicorn", "-c", "python:kyodo.gunicorn_conf",
                                                 "--bind", f"127.0.0.1:{web_port}", "kyodo.wsgi:application"],
                                    web_port, env, plans[1], work, args)
            audit_report = _audit_check(towns)
            workers = _workers(runs["gunicorn"]["server_log"])
        finally:
            if idp is not None:
                stop_dev_idp(idp)
            new = set(broker.keys("*")) - keys_before
            if new:
                broker.delete(*new)

    main_run = _summary(runs["gunicorn"])
    base = _summary(runs["baseline"]) if "baseline" in runs else None
    common = {"towns": args.towns, "persons_per_town": args.persons, "staff": len(staff), "vendors": len(vendors),
              "duration_s": args.duration, "think_s": list(args.think), "setup_s": round(setup_s, 1),
              "server": f"gunicorn, kyodo.gunicorn_conf ({workers})", "debug": True,
              "baseline_kind": "the same users and plan against manage.py runserver --noreload, same database"}
    for metric, key in (("portal_p95_ms", "portal"), ("graphql_p95_ms", "graphql")):
        mine = main_run[key]
        theirs = base[key] if base else None
        extra = {"sign_in_p95_ms": round(main_run["sign_in"]["p95"], 1),
                 "sign_in_requests": main_run["sign_in"]["requests"]} if key == "portal" else {}
        emit("load", metric, mine["p95"], "ms", theirs["p95"] if theirs else 0.0,
             (theirs["p95"] / mine["p95"]) if theirs and mine["p95"] else 0.0,
             p50_ms=round(mine["p50"], 1), p99_ms=round(mine["p99"], 1), requests=mine["requests"],
             req_s=round(mine["requests"] / main_run["steady_seconds"], 1), errors=mine["errors"],
             baseline_p99_ms=round(theirs["p99"], 1) if theirs else None,
             baseline_req_s=round(theirs["requests"] / base["steady_seconds"], 1) if theirs and base else None,
             steady_s=round(main_run["steady_seconds"], 1), actions=mine["actions"], **extra,
             goal=f"<={GOAL_MS} ms, 0 errors", **common)
    errors = main_run["errors_whole_run"]
    base_errors = base["errors_whole_run"] if base else 0
    emit("load", "errors", errors, "requests", base_errors, 1.0 if errors <= base_errors else 0.0,
         requests=len(runs["gunicorn"]["samples"]), throttled=main_run["throttled"],
         provider_p95_ms=round(main_run["provider"]["p95"], 1), provider_errors=main_run["provider"]["errors"],
         sign_in_errors=main_run["sign_in"]["errors"], audit=audit_report,
         failures=_failures(runs["gunicorn"]) if errors else "",
         what="every failed request of the whole run (sign-in, ramp and provider included), a page naming "
              "another town or a refused town answering included",
         goal="0 errors, every audit chain intact", **common)
    return 0 if not audit_report["broken"] else 1


def _workers(log: Path) -> str:
    """How many worker processes gunicorn booted, from its log."""
    text = log.read_text(errors="replace")
    return f"{text.count('Booting worker')} workers booted"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
