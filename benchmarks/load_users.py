"""The simulated users of ``python -m benchmarks load``: a locust file, run by locust in a process of its
own (gevent; it imports nothing of Kyodo, and talks to the server over HTTP only, as real staff and
vendors do). ``benchmarks/load.py`` prepares the towns, writes the plan this file reads
(``KYODO_LOAD_PLAN``) and reads back the samples it leaves (``KYODO_LOAD_SAMPLES``).

Staff (職員) sign in through the OpenID provider as their town's portal sends them (authorization code
flow, the provider's login form), then work: search (the page, and search as you type through htmx),
a person, a household, a 転居 entered through its form; a section chief (課長) also decides the pending
異動 of others from the approval queue. Vendors (ベンダー) get a client-credentials token and page
through their town's residents and change feed with GraphQL, and once in a while try a town outside
their contract, which must be refused.

Every portal page is checked for its own town's name and for the absence of every other town's name
(a page that shows another town's data counts as an error, as does a vendor answer from a town outside
the contract).
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import random
import re
import time
from urllib.parse import parse_qs, urljoin, urlparse

import requests
from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["KYODO_LOAD_PLAN"], encoding="utf-8").read())
SAMPLES: list[tuple[str, float, int]] = []  # (request name, ms, 1 when it failed)
THROTTLED = [0]
STEADY_FROM = [0]  # the index in SAMPLES from which every user had signed in
STEADY_AT = [time.monotonic()]
_STAFF = itertools.count()
_VENDORS = itertools.count()
CHANGE_LINK = re.compile(r'href="/residents/changes/(\d+)/"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PERSONS = """query Page($c: String) { persons(first: 50, after: $c) {
  nodes { id fullName address { address } household { number } } pageInfo { endCursor hasNextPage } } }"""
CHANGES = """query Feed($c: String) { changes(after: $c, first: 50) {
  nodes { eventId type subjects } pageInfo { endCursor hasNextPage } } }"""
NAMES = {town["host"]: town["name"] for town in PLAN["towns"]}


@events.request.add_listener
def _sample(request_type, name, response_time, response_length, exception=None, **_kwargs):
    SAMPLES.append((name, response_time, 1 if exception else 0))


_STARTED = itertools.count(1)


def _user_ready() -> None:
    """Called at the end of every user's on_start: once the last has signed in, the steady state begins."""
    if next(_STARTED) == len(PLAN["staff"]) + len(PLAN["vendors"]):
        STEADY_FROM[0] = len(SAMPLES)
        STEADY_AT[0] = time.monotonic()


@events.quitting.add_listener
def _write(environment, **_kwargs):
    with open(os.environ["KYODO_LOAD_SAMPLES"], "w", encoding="utf-8") as out:
        json.dump({"samples": SAMPLES, "throttled": THROTTLED[0], "steady_from": STEADY_FROM[0],
                   "steady_seconds": time.monotonic() - STEADY_AT[0]}, out)


def _host(town_host: str, base_url: str | None) -> str:
    """The Host header a browser sends for the town at the server's port (the redirect URI has it too)."""
    port = urlparse(base_url or "").port
    return f"{town_host}:{port}" if port else town_host


def _foreign_names(host: str) -> list[str]:
    return [name for other, name in NAMES.items() if other != host]


class StaffUser(HttpUser):
    """A member of a town's staff: a 窓口 clerk, or a section chief who also approves."""

    fixed_count = len(PLAN["staff"])
    wait_time = between(PLAN["think_min_s"], PLAN["think_max_s"])

    def on_start(self) -> None:
        self.me = PLAN["staff"][next(_STAFF) % len(PLAN["staff"])]
        self.town = next(t for t in PLAN["towns"] if t["code"] == self.me["town"])
        self.host_header = {"Host": _host(self.town["host"], self.host)}
        self.rng = random.Random(self.me["username"])
        self.relocations = list(self.me.get("relocate", []))
        self._sign_in()
        _user_ready()

    def _get(self, path: str, name: str, *, htmx: bool = False):
        """A portal page (an htmx request gets only the part it swaps in, without the page's heading)."""
        headers = dict(self.host_header, **({"HX-Request": "true"} if htmx else {}))
        with self.client.get(path, headers=headers, name=name, catch_response=True, allow_redirects=False) as r:
            self._check(r, full_page=not htmx)
            return r

    def _check(self, response, *, full_page: bool) -> None:
        if response.status_code != 200:
            response.failure(f"status {response.status_code}")
            return
        text = response.text
        leaked = [name for name in _foreign_names(self.town["host"]) if name in text]
        if leaked:
            response.failure(f"another town's name on the page: {leaked}")
        elif full_page and self.town["name"] not in text:
            response.failure("the page does not name its own town")
        else:
            response.success()

    def _sign_in(self) -> None:
        """The authorization code flow: portal → provider's login form → portal callback."""
        with self.client.get("/oidc/authenticate/?next=/", headers=self.host_header, name="login: start",
                             allow_redirects=False, catch_response=True) as start:
            if start.status_code != 302:
                start.failure(f"status {start.status_code}")
                return
            start.success()
        provider = requests.Session()  # the provider's cookies apart from the portal's (same address)
        url = start.headers["Location"]
        started = time.perf_counter()
        for _ in range(10):
            response = provider.get(url, allow_redirects=False, timeout=30)
            form = CSRF_FIELD.search(response.text) if response.status_code == 200 else None
            if form:
                token = form[1]
                next_url = parse_qs(urlparse(response.url).query)["next"][0]
                response = provider.post(response.url, allow_redirects=False, timeout=30,
                                         headers={"Referer": response.url},
                                         data={"csrfmiddlewaretoken": token, "username": self.me["username"],
                                               "password": PLAN["password"], "next": next_url})
            url = urljoin(response.url, response.headers.get("Location", ""))
            if urlparse(url).path == "/oidc/callback/":
                break
        events.request.fire(request_type="GET", name="login: provider (not Kyodo)",
                            response_time=(time.perf_counter() - started) * 1000, response_length=0,
                            exception=None if urlparse(url).path == "/oidc/callback/" else
                            RuntimeError("the provider did not send the browser back"), context={})
        back = urlparse(url)
        with self.client.get(f"{back.path}?{back.query}", headers=self.host_header, name="login: callback",
                             allow_redirects=False, catch_response=True) as done:
            if done.status_code == 302 and done.headers.get("Location") == "/":
                done.success()
            else:
                done.failure(f"status {done.status_code} to {done.headers.get('Location')}")

    @task(4)
    def search(self) -> None:
        kana = self.rng.choice(self.town["people"])[2]
        self._get(f"/residents/?q={kana[:3]}", "portal: search")

    @task(6)
    def search_as_you_type(self) -> None:
        kana = self.rng.choice(self.town["people"])[2]
        for end in range(1, min(len(kana), 4) + 1):
            self._get(f"/residents/?q={kana[:end]}", "portal: search as you type (htmx)", htmx=True)

    @task(5)
    def person(self) -> None:
        self._get(f"/residents/persons/{self.rng.choice(self.town['people'])[0]}/", "portal: person")

    @task(3)
    def household(self) -> None:
        self._get(f"/residents/households/{self.rng.choice(self.town['people'])[1]}/", "portal: household")

    @task(1)
    def relocation(self) -> None:
        """転居: the form, then the entry (a pending 異動 for a chief to approve)."""
        if not self.relocations:
            return
        person_id = self.relocations.pop()
        path = f"/residents/persons/{person_id}/changes/relocation/"
        form = self._get(path, "portal: relocation form")
        match = CSRF_FIELD.search(form.text or "")
        if form.status_code != 200 or not match:
            return
        today = datetime.date.today().isoformat()
        data = {"csrfmiddlewaretoken": match[1], "notified_on": today, "effective_on": today,
                "address": f"{self.town['name']}本町{self.rng.randint(1, 999)}番地"}
        with self.client.post(path, data=data, headers=dict(self.host_header, Referer=f"http://{self.host_header['Host']}{path}"),
                              name="portal: relocation submit", allow_redirects=False, catch_response=True) as r:
            if r.status_code == 302 and "/residents/changes/" in r.headers.get("Location", ""):
                r.success()
            else:
                r.failure(f"status {r.status_code}: {r.text[:200]!r}")

    @task(2)
    def approvals(self) -> None:
        """課長: the approval queue, and a decision on one 異動 that is theirs to take (the chiefs of a town
        share the queue by 受付番号, so two never decide the same one)."""
        if self.me["role"] != "section_chief":
            return
        queue = self._get("/residents/changes/", "portal: approval queue")
        if queue.status_code != 200:
            return
        mine = [int(pk) for pk in CHANGE_LINK.findall(queue.text)
                if int(pk) % self.me["chiefs"] == self.me["chief_index"]]
        if not mine:
            return
        pk = self.rng.choice(mine)
        detail = self._get(f"/residents/changes/{pk}/", "portal: change")
        match = CSRF_FIELD.search(detail.text or "")
        if detail.status_code != 200 or not match:
            return
        with self.client.post(f"/residents/changes/{pk}/decide/", name="portal: approve",
                              data={"csrfmiddlewaretoken": match[1], "decision": "approve"},
                              headers=self.host_header, allow_redirects=False, catch_response=True) as r:
            if r.status_code == 302 and r.headers.get("Location", "").endswith("/residents/changes/"):
                r.success()
            else:
                r.failure(f"status {r.status_code} to {r.headers.get('Location')}")


class VendorUser(HttpUser):
    """A vendor's system: client-credentials token, then pages of its town's data through GraphQL."""

    fixed_count = len(PLAN["vendors"])
    wait_time = between(PLAN["vendor_think_min_s"], PLAN["vendor_think_max_s"])

    def on_start(self) -> None:
        self.me = PLAN["vendors"][next(_VENDORS) % len(PLAN["vendors"])]
        self.rng = random.Random(self.me["client_id"])
        self.cursors: dict[tuple[str, str], str | None] = {}
        self.token, self.expires = "", 0.0
        self._token()
        _user_ready()

    def _token(self) -> str:
        if time.monotonic() < self.expires:
            return self.token
        started = time.perf_counter()
        response = requests.post(PLAN["token_endpoint"], data={"grant_type": "client_credentials"},
                                 auth=(self.me["client_id"], self.me["secret"]), timeout=30)
        body = response.json() if response.status_code == 200 else {}
        events.request.fire(request_type="POST", name="token: provider (not Kyodo)",
                            response_time=(time.perf_counter() - started) * 1000, response_length=0,
                            exception=None if "access_token" in body else RuntimeError(response.status_code),
                            context={})
        self.token = body.get("access_token", "")
        self.expires = time.monotonic() + max(5, int(body.get("expires_in", 60)) - 30)
        return self.token

    def _post(self, host: str, query: str, variables: dict, name: str):
        return self.client.post("/graphql/", json={"query": query, "variables": variables}, name=name,
                                headers={"Host": _host(host, self.host), "Authorization": f"Bearer {self._token()}"},
                                catch_response=True)

    def _page(self, field: str, query: str, name: str) -> None:
        host = self.rng.choice(self.me["hosts"])
        key = (host, field)
        with self._post(host, query, {"c": self.cursors.get(key)}, name) as r:
            if r.status_code == 429:  # the leaky bucket: wait as asked, not an error
                THROTTLED[0] += 1
                r.success()
                time.sleep(min(10.0, float(r.headers.get("Retry-After") or 1)))
                return
            body = r.json() if r.status_code == 200 else {}
            page = (body.get("data") or {}).get(field)
            if r.status_code != 200 or body.get("errors") or page is None:
                r.failure(f"status {r.status_code}: {r.text[:200]!r}")
                return
            leaked = [n for n in _foreign_names(host) if n in r.text]
            if leaked:
                r.failure(f"another town's name in the answer: {leaked}")
                return
            r.success()
            info = page["pageInfo"]
            self.cursors[key] = info["endCursor"] if info["hasNextPage"] else None

    @task(5)
    def persons(self) -> None:
        self._page("persons", PERSONS, "graphql: persons page")

    @task(3)
    def changes(self) -> None:
        self._page("changes", CHANGES, "graphql: change feed")

    @task(1)
    def outside_the_contract(self) -> None:
        """A town the contract does not name: refused, with nothing of that town in the answer."""
        host = self.rng.choice(self.me["outside"])
        with self._post(host, PERSONS, {"c": None}, "graphql: town outside the contract") as r:
            body = r.json() if r.headers.get("Content-Type", "").startswith("application/json") else {}
            if r.status_code in (401, 403) and not body.get("data") and NAMES[host] not in r.text:
                r.success()
            else:
                r.failure(f"a town outside the contract answered: status {r.status_code}: {r.text[:200]!r}")
