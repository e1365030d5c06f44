"""Hostile input against ``/graphql/`` (docs/api.md, "Hostile input"): every case is one real request
through the whole Django stack with a real vendor token, and every answer must be a refusal a vendor can
branch on — a 4xx, or a 200 with ``errors`` — with ``errors[0].extensions.code`` and ``messageJa``; never
a 500, a traceback, an SQL fragment or anything of town B (鹿島市)."""

from __future__ import annotations

import base64
import json
import random
import re

import pytest

from tests.api.conftest import TAKEO
from tests.residents.conftest import move_in_data, person_data

pytestmark = pytest.mark.django_db

LEAKS = re.compile(r"Traceback|File \"/|\bSELECT\b|\bINSERT INTO\b|\bUPDATE \w+ SET\b|psycopg|syntax error at or near"
                   r"|relation \"|django\.|graphql\.error|鹿島|Kashima|kashima|412074")


def assert_refusal(response, case: str) -> dict:
    """A typed refusal: 4xx (or 200 with errors), a JSON body, a code and a Japanese message, no internals."""
    text = response.content.decode("utf-8", "replace")
    assert response.status_code != 500, f"{case}: 500 {text[:300]}"
    assert response.status_code == 200 or 400 <= response.status_code < 500, f"{case}: {response.status_code}"
    assert response["Content-Type"].startswith("application/json"), f"{case}: {response['Content-Type']}"
    leak = LEAKS.search(text)
    assert leak is None, f"{case}: the body shows {leak.group(0)!r}: {text[:300]}"
    body = json.loads(text)
    assert isinstance(body, dict) and body.get("errors"), f"{case}: no errors in {text[:300]}"
    extensions = body["errors"][0].get("extensions") or {}
    assert extensions.get("code"), f"{case}: errors[0] has no code: {text[:300]}"
    assert extensions.get("messageJa"), f"{case}: errors[0] has no messageJa: {text[:300]}"
    codes = [(error.get("extensions") or {}).get("code") for error in body["errors"]]
    assert "INTERNAL" not in codes, f"{case}: an internal fault answered as an error: {text[:300]}"
    return body


def send(api, body: bytes, content_type: str = "application/json", **extra):
    if api.token and "HTTP_AUTHORIZATION" not in extra:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {api.token}"
    return api.client.post("/graphql/", data=body, content_type=content_type, HTTP_HOST=TAKEO, **extra)


def query_body(query: str, **more) -> bytes:
    return json.dumps({"query": query, **more}).encode()


# -- the cases ------------------------------------------------------------------------------------

PERSON_FIELDS = "id fullName"


def nested(depth: int) -> str:
    """persons → edges → node → household → members → household → … until ``depth`` levels."""
    levels, text, closing = 3, "persons(first: 1) { edges { node { ", "} } }"
    inner = "household"
    while levels < depth:
        text += f"{inner} {{ "
        closing = "} " + closing
        inner = "members" if inner == "household" else "household"
        levels += 1
    return "{ " + text + "id " + closing + " }"


def aliases(count: int, field: str) -> str:
    return "{ " + " ".join(f"a{i}: {field}" for i in range(count)) + " }"


FRAGMENT_ATTACKS = {
    "cycle-self": "{ persons { ...A } } fragment A on PersonConnection { ...A }",
    "cycle-two": "{ persons { ...A } } fragment A on PersonConnection { ...B } fragment B on PersonConnection { ...A }",
    "cycle-three": "{ persons { ...A } } fragment A on PersonConnection { edges { ...B } } "
                   "fragment B on PersonEdge { node { ...C } } fragment C on Person { household { members { ...C } } }",
    "cycle-through-household": "{ households { edges { node { ...H } } } } fragment H on Household "
                               "{ members { household { ...H } } }",
    "cycle-inline": "{ persons { ... on PersonConnection { ...A } } } fragment A on PersonConnection "
                    "{ ... on PersonConnection { ...A } }",
    "cycle-unused": "{ municipality { name } } fragment A on Query { ...B } fragment B on Query { ...A }",
    "cycle-on-query": "{ ...Q } fragment Q on Query { persons { pageInfo { hasNextPage } } ...Q }",
    "cycle-node": "{ node(id: \"x\") { ...N } } fragment N on Node { ... on Person { household { head { ...N } } } }",
    "unknown-spread": "{ persons { ...Missing } }",
    "unknown-spread-nested": "{ persons { edges { node { ...Nope } } } }",
    "unknown-spread-in-fragment": "{ persons { ...A } } fragment A on PersonConnection { ...Nope }",
    "unknown-spread-root": "{ ...Root }",
    "spread-wrong-type": "{ persons { ...A } } fragment A on Household { number }",
    "fragment-on-unknown-type": "{ persons { ...A } } fragment A on Nothing { id }",
    "duplicate-fragment": "{ persons { ...A } } fragment A on PersonConnection { pageInfo { hasNextPage } } "
                          "fragment A on PersonConnection { pageInfo { endCursor } }",
    "fan-out": "{ persons(first: 250) { ...E ...E ...E } } fragment E on PersonConnection "
               "{ edges { node { household { members { household { members { id } } } } } } }",
}

PAGE_FIELDS = {
    "persons": "persons(first: %s) { edges { node { id } } }",
    "households": "households(first: %s) { edges { node { id } } }",
    "residentChanges": "residentChanges(first: %s) { edges { node { id } } }",
    "changes": "changes(first: %s) { edges { cursor } }",
}
HUGE = [251, 300, 10**9, -1, -250, 2**31 - 1, 2**31, 2**63, -(2**63), 10**30]

BATCHES = {
    "empty-list": [],
    "one": [{"query": "{ municipality { name } }"}],
    "two": [{"query": "{ municipality { name } }"}, {"query": "{ persons { pageInfo { hasNextPage } } }"}],
    "hundred": [{"query": "{ municipality { name } }"}] * 100,
    "nested-list": [[{"query": "{ municipality { name } }"}]],
    "list-of-null": [None],
    "list-of-strings": ["{ municipality { name } }"],
}

NOT_OBJECTS = {"int": b"1", "string": b'"{ municipality { name } }"', "null": b"null", "true": b"true",
               "float": b"1.5", "empty": b"", "whitespace": b"   ", "nan": b"NaN", "deep-array": b"[" * 5000 + b"]" * 5000,
               "deep-object": b'{"a":' * 5000 + b"1" + b"}" * 5000, "truncated": b'{"query": "{ municipality',
               "trailing": b'{"query": "{ municipality { name } }"} x', "duplicate-keys": b'{"query": 1, "query": []}'}

NON_UTF8 = {
    "latin-1": '{"query": "{ persons { edges { node { fullName } } } }", "x": "é"}'.encode("latin-1"),
    "utf-16": json.dumps({"query": "{ municipality { name } }"}).encode("utf-16"),
    "utf-32": json.dumps({"query": "{ municipality { name } }"}).encode("utf-32"),
    "shift-jis": '{"query": "{ municipality { name } }", "operationName": "武雄"}'.encode("shift_jis"),
    "overlong-slash": b'{"query": "\xc0\xaf"}',
    "lone-continuation": b'{"query": "\x80\x80"}',
    "surrogate-bytes": b'{"query": "\xed\xa0\x80"}',
    "ff": b"\xff\xfe\xfd",
    "bom-then-garbage": b"\xef\xbb\xbf\xff",
}

WRONG_VARIABLES = {
    "first-string": ("query Q($n: Int) { persons(first: $n) { pageInfo { hasNextPage } } }", {"n": "10"}),
    "first-float": ("query Q($n: Int) { persons(first: $n) { pageInfo { hasNextPage } } }", {"n": 1.5}),
    "first-bool": ("query Q($n: Int) { persons(first: $n) { pageInfo { hasNextPage } } }", {"n": True}),
    "first-object": ("query Q($n: Int) { persons(first: $n) { pageInfo { hasNextPage } } }", {"n": {"a": 1}}),
    "first-list": ("query Q($n: Int) { persons(first: $n) { pageInfo { hasNextPage } } }", {"n": [1]}),
    "first-huge": ("query Q($n: Int) { persons(first: $n) { pageInfo { hasNextPage } } }", {"n": 2**63}),
    "first-negative": ("query Q($n: Int) { persons(first: $n) { pageInfo { hasNextPage } } }", {"n": -1}),
    "first-too-many": ("query Q($n: Int) { persons(first: $n) { pageInfo { hasNextPage } } }", {"n": 251}),
    "after-int": ("query Q($a: String) { persons(after: $a) { pageInfo { hasNextPage } } }", {"a": 5}),
    "after-list": ("query Q($a: String) { persons(after: $a) { pageInfo { hasNextPage } } }", {"a": ["x"]}),
    "id-missing": ("query Q($id: ID!) { node(id: $id) { id } }", {}),
    "id-null": ("query Q($id: ID!) { node(id: $id) { id } }", {"id": None}),
    "id-object": ("query Q($id: ID!) { node(id: $id) { id } }", {"id": {"x": 1}}),
    "ids-not-list": ("query Q($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": {"a": 1}}),
    "ids-too-many": ("query Q($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["x"] * 101}),
    "ids-thousands": ("query Q($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["x"] * 5000}),
    "date-garbage": ("query Q($d: Date) { residentChanges(effectiveFrom: $d) { pageInfo { hasNextPage } } }",
                     {"d": "令和1年13月1日"}),
    "date-feb-30": ("query Q($d: Date) { residentChanges(effectiveFrom: $d) { pageInfo { hasNextPage } } }",
                    {"d": "2024-02-30"}),
    "date-int": ("query Q($d: Date) { residentChanges(effectiveFrom: $d) { pageInfo { hasNextPage } } }", {"d": 20240101}),
    "date-fullwidth": ("query Q($d: Date) { residentChanges(effectiveFrom: $d) { pageInfo { hasNextPage } } }",
                       {"d": "２０２４-０１-０１"}),
    "date-year-zero": ("query Q($d: Date) { residentChanges(effectiveFrom: $d) { pageInfo { hasNextPage } } }",
                       {"d": "0000-01-01"}),
    "date-huge-year": ("query Q($d: Date) { residentChanges(effectiveFrom: $d) { pageInfo { hasNextPage } } }",
                       {"d": "99999-01-01"}),
    "types-not-list": ("query Q($t: [String!]) { changes(types: $t) { edges { cursor } } }", {"t": 5}),
    "types-null-item": ("query Q($t: [String!]) { changes(types: $t) { edges { cursor } } }", {"t": [None]}),
    "undeclared-used": ("query Q { persons(first: $n) { pageInfo { hasNextPage } } }", {"n": 1}),
    "variables-string": ("{ municipality { name } }", "not an object"),
    "variables-list": ("{ municipality { name } }", [1, 2]),
    "variables-int": ("{ municipality { name } }", 7),
    "input-missing-fields": ("mutation M($i: MunicipalityCreateInput!) { municipalityCreate(input: $i) "
                             "{ errors { field } } }", {"i": {"code": "412066"}}),
    "input-wrong-shape": ("mutation M($i: MunicipalityCreateInput!) { municipalityCreate(input: $i) "
                          "{ errors { field } } }", {"i": ["412066"]}),
}

UNKNOWN_OPERATIONS = {
    "name-not-in-document": ("query A { municipality { name } }", "B"),
    "two-without-name": ("query A { municipality { name } } query B { municipality { code } }", None),
    "name-int": ("query A { municipality { name } }", 5),
    "name-list": ("query A { municipality { name } }", ["A"]),
    "name-too-long": ("query A { municipality { name } }", "A" * 5000),
    "name-non-ascii": ("query A { municipality { name } }", "武雄"),
    "anonymous-and-named": ("{ municipality { name } } query B { municipality { code } }", "C"),
    "subscription": ("subscription S { changes { edges { cursor } } }", None),
    "unknown-root-field": ("{ everything { id } }", None),
    "no-operation": ("fragment A on Query { municipality { name } }", None),
    "empty-document": ("", None),
    "only-comment": ("# nothing", None),
    "syntax": ("{ persons(first: ) }", None),
    "unterminated-string": ('{ node(id: "x) { id } }', None),
    "directive-unknown": ("{ municipality @evil { name } }", None),
    "skip-without-if": ("{ municipality @skip { name } }", None),
}

INTROSPECTION = {
    "schema": "{ __schema { types { name } } }",
    "type": '{ __type(name: "Person") { fields { name } } }',
    "aliased-schema": "{ s: __schema { queryType { name } } }",
    "in-fragment": "{ ...F } fragment F on Query { __schema { types { name } } }",
    "in-inline-fragment": "{ ... on Query { __type(name: \"Query\") { name } } }",
    "nested-under-node": "{ persons { edges { node { id } } } __schema { directives { name } } }",
    "full": None,
}

TYPOS = {
    "root": "{ persns { edges { node { id } } } }",
    "person-field": "{ persons { edges { node { fullNam } } } }",
    "household-field": "{ households { edges { node { membrs { id } } } } }",
    "argument": "{ persons(frist: 1) { edges { node { id } } } }",
    "type-condition": "{ node(id: \"x\") { ... on Persn { id } } }",
    "enum-like": "{ persons { edges { node { sex { cod } } } } }",
    "mutation-field": "mutation { municipalityCreat(input: {code: \"1\", name: \"x\", nameKana: \"x\"}) { replayed } }",
}

MUTATION = ('mutation M { municipalityCreate(input: {code: "414247", name: "江北町", nameKana: "コウホクマチ"}) '
            "{ replayed errors { field } } }")

TOKENS = {
    "none": None,
    "garbage": "Bearer garbage",
    "empty-bearer": "Bearer ",
    "bearer-only": "Bearer",
    "basic": "Basic " + base64.b64encode(b"vendor-acme:secret").decode(),
    "digest": 'Digest username="x"',
    "expired-looking-jwt": "Bearer " + ".".join(
        base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
        for part in ({"alg": "RS256", "typ": "JWT"}, {"sub": "vendor-acme", "exp": 1_000_000_000, "iss": "x"},
                     {"sig": "x"})),
    "alg-none-jwt": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ2ZW5kb3ItYWNtZSJ9.",
    "very-long": "Bearer " + "a" * 20000,
    "non-ascii": "Bearer トークン",
    "two-tokens": "Bearer a, Bearer b",
    "lowercase-garbage": "bearer not-a-token",
}


def _random_cursors() -> dict[str, str]:
    rng = random.Random(412066)
    values = {f"random-bytes-{i}": base64.urlsafe_b64encode(rng.randbytes(rng.randint(1, 120))).decode()
              for i in range(20)}
    values.update({
        "empty": "", "space": " ", "non-ascii": "カーソル", "fullwidth-digits": "１２３",
        "fullwidth-b64": base64.urlsafe_b64encode("c1:person:412066:１２".encode()).decode(),
        "superscript": base64.urlsafe_b64encode("c1:person:412066:²".encode()).decode(),
        "nul": "abc\x00def", "nul-inside-b64": base64.urlsafe_b64encode(b"c1:person:412066:1\x00").decode(),
        "negative": base64.urlsafe_b64encode(b"c1:person:412066:-5").decode(),
        "huge-position": base64.urlsafe_b64encode(b"c1:person:412066:" + b"9" * 40).decode(),
        "position-sql": base64.urlsafe_b64encode(b"c1:person:412066:1 OR 1=1").decode(),
        "other-town": base64.urlsafe_b64encode(b"c1:person:412074:1").decode(),
        "other-kind": base64.urlsafe_b64encode(b"c1:tax-payer:412066:1").decode(),
        "no-version": base64.urlsafe_b64encode(b"person:412066:1").decode(),
        "too-long": "A" * 10_000, "padding-only": "====", "bad-padding": "YQ=a",
        "plain-number": "1", "node-id-as-cursor": base64.urlsafe_b64encode(b"Person:412066:1").decode(),
        "emoji": "🙂", "rtl": "\u202ecursor", "newline": "a\nb",
        "latin1-b64": base64.urlsafe_b64encode("c1:person:412066:é".encode("latin-1")).decode(),
        "float-position": base64.urlsafe_b64encode(b"c1:person:412066:1.5").decode(),
        "exp-position": base64.urlsafe_b64encode(b"c1:person:412066:1e9").decode(),
    })
    return values


CURSORS = _random_cursors()
CURSOR_FIELDS = {
    "persons": "query Q($c: String) { persons(first: 2, after: $c) { edges { node { id } } } }",
    "households": "query Q($c: String) { households(first: 2, after: $c) { edges { node { id } } } }",
    "residentChanges": "query Q($c: String) { residentChanges(first: 2, after: $c) { edges { node { id } } } }",
    "changes": "query Q($c: String) { changes(first: 2, after: $c) { edges { cursor } } }",
}

NUL_CASES = {
    "query-in-string": (query_body('{ node(id: "a\\u0000b") { id } }'), {}),
    "literal-types": (query_body('{ changes(types: ["a\\u0000b"]) { edges { cursor } } }'), {}),
    "literal-after": (query_body('{ persons(after: "\\u0000") { edges { cursor } } }'), {}),
    "literal-date": (query_body('{ residentChanges(effectiveFrom: "2024-01-01\\u0000") { edges { cursor } } }'), {}),
    "literal-block-string": (json.dumps({"query": '{ node(id: """a\x00b""") { id } }'}).encode(), {}),
    "query-raw": (json.dumps({"query": "{ municipality\x00 { name } }"}).encode(), {}),
    "query-comment": (json.dumps({"query": "# \x00\n{ municipality { name } }"}).encode(), {}),
    "variables-value": (json.dumps({"query": "query Q($c: String) { persons(after: $c) { edges { cursor } } }",
                                    "variables": {"c": "x\x00"}}).encode(), {}),
    "variables-key": (json.dumps({"query": "{ municipality { name } }", "variables": {"a\x00": 1}}).encode(), {}),
    "variables-nested": (json.dumps({"query": "query Q($i: MunicipalityCreateInput!) { municipalityCreate(input: $i) "
                                              "{ replayed } }",
                                     "variables": {"i": {"code": "1", "name": "\x00", "nameKana": "x"}}}).encode(), {}),
    "variables-deep-list": (json.dumps({"query": "query Q($t: [String!]) { changes(types: $t) { edges { cursor } } }",
                                        "variables": {"t": ["a", "b\x00"]}}).encode(), {}),
    "operation-name": (json.dumps({"query": "query A { municipality { name } }", "operationName": "A\x00"}).encode(), {}),
    "extensions-hash": (json.dumps({"query": "{ municipality { name } }",
                                    "extensions": {"persistedQuery": {"sha256Hash": "\x00" * 64}}}).encode(), {}),
    "idempotency-key": (query_body(MUTATION), {"HTTP_IDEMPOTENCY_KEY": "k\x00ey"}),
    "authorization": (query_body("{ municipality { name } }"), {"HTTP_AUTHORIZATION": "Bearer ab\x00cd"}),
}


SURROGATE = "A\\ud800"  # half of a surrogate pair as a JSON escape: valid JSON, not text
SURROGATES = {name: text.replace("@", SURROGATE) for name, text in {
    "operation-name": '{"query": "query A { municipality { name } }", "operationName": "@"}',
    "variable-value": '{"query": "query Q($n: Int) { persons(first: $n) { edges { cursor } } }", '
                      '"variables": {"n": "@"}}',
    "variable-cursor": '{"query": "query Q($c: String) { persons(after: $c) { edges { cursor } } }", '
                       '"variables": {"c": "@"}}',
    "variable-key": '{"query": "{ municipality { name } }", "variables": {"@": 1}}',
    "query-literal": '{"query": "{ node(id: \\"@\\") { id } }"}',
    "query-field": '{"query": "{ @ }"}',
    "extensions": '{"query": "{ municipality { name } }", "extensions": {"persistedQuery": {"sha256Hash": "@"}}}',
    "low-half": '{"query": "query A { municipality { name } }", "operationName": "\\udc00"}',
}.items()}


def _cases():
    """(case id, request builder) pairs; a builder takes the Api and returns the response."""
    cases = []

    def add(case_id, build):
        cases.append((case_id, build))

    for depth in range(11, 61):
        add(f"depth-{depth}", lambda api, d=depth: send(api, query_body(nested(d))))
    counts = sorted({31, 32, 33, 50, 64, 99, 100, 101, 128, 200, 256, 300, 333, 400, 500, 512, 600, 700, 800, 900,
                     999, 1000, 1001, 1024, 1200, 1337, 1500, 1800, 1999, 2000})
    for count in counts:
        add(f"aliases-{count}-typename", lambda api, n=count: send(api, query_body(aliases(n, "__typename"))))
        add(f"aliases-{count}-persons", lambda api, n=count: send(
            api, query_body(aliases(n, "persons(first: 1) { edges { node { id } } }"))))
    for name, query in FRAGMENT_ATTACKS.items():
        add(f"fragment-{name}", lambda api, q=query: send(api, query_body(q)))
    for field, template in PAGE_FIELDS.items():
        for value in HUGE:
            add(f"first-literal-{field}-{value}", lambda api, t=template, v=value: send(
                api, query_body("{ " + t % v + " }")))
            add(f"first-variable-{field}-{value}", lambda api, t=template, v=value: send(
                api, query_body("query Q($n: Int) { " + t % "$n" + " }", variables={"n": v})))
    for name, batch in BATCHES.items():
        add(f"batch-{name}", lambda api, b=batch: send(api, json.dumps(b).encode()))
    for field, query in CURSOR_FIELDS.items():
        for name, value in CURSORS.items():
            add(f"cursor-{field}-{name}", lambda api, q=query, v=value: send(api, query_body(q, variables={"c": v})))
    for name, (body, headers) in NUL_CASES.items():
        add(f"nul-{name}", lambda api, b=body, h=headers: send(api, b, **h))
    big = "{ municipality { name } }" + " " * (64 * 1024)
    for name, size in (("64KiB+1", 64 * 1024 + 1), ("100KiB", 100 * 1024), ("1MiB", 1024 * 1024), ("8MiB", 8 << 20)):
        body = json.dumps({"query": big[: size]}).encode()
        add(f"oversized-{name}", lambda api, b=body: send(api, b))
        add(f"oversized-{name}-no-content-length", lambda api, b=body: send(api, b, CONTENT_LENGTH=""))
        add(f"oversized-{name}-short-content-length", lambda api, b=body: send(api, b, CONTENT_LENGTH="10"))
        add(f"oversized-{name}-garbage-content-length", lambda api, b=body: send(api, b, CONTENT_LENGTH="１２"))
    for content_type in ("text/plain", "application/graphql", "application/x-www-form-urlencoded",
                         "multipart/form-data; boundary=x", "application/xml", "application/jsonp", "json",
                         "application/json-patch+json", "", "application/octet-stream", "text/html"):
        add(f"content-type-{content_type or 'none'}", lambda api, c=content_type: send(
            api, query_body("{ municipality { name } }"), content_type=c))
    for name, body in NON_UTF8.items():
        add(f"non-utf8-{name}", lambda api, b=body: send(api, b))
    for name, text in SURROGATES.items():
        add(f"surrogate-{name}", lambda api, t=text: send(api, t.encode()))
    for name, body in NOT_OBJECTS.items():
        add(f"not-object-{name}", lambda api, b=body: send(api, b))
    for name, (query, variables) in WRONG_VARIABLES.items():
        add(f"variables-{name}", lambda api, q=query, v=variables: send(
            api, json.dumps({"query": q, "variables": v}).encode(), HTTP_IDEMPOTENCY_KEY="hostile"))
    for name, (query, operation) in UNKNOWN_OPERATIONS.items():
        add(f"operation-{name}", lambda api, q=query, o=operation: send(
            api, json.dumps({"query": q, **({"operationName": o} if o is not None else {})}).encode()))
    for name in ("missing", "empty"):
        add(f"mutation-idempotency-key-{name}", lambda api, n=name: send(
            api, query_body(MUTATION), **({"HTTP_IDEMPOTENCY_KEY": ""} if n == "empty" else {})))
    add("mutation-variables-without-idempotency-key", lambda api: send(api, json.dumps({
        "query": "mutation M($i: MunicipalityCreateInput!) { municipalityCreate(input: $i) { replayed } }",
        "variables": {"i": {"code": "414247", "name": "江北町", "nameKana": "コウホクマチ"}}}).encode()))
    for name, header in TOKENS.items():
        add(f"token-{name}", lambda api, h=header: send(
            api, query_body("{ persons { edges { node { fullName } } } }"), HTTP_AUTHORIZATION=h or ""))
    return cases


CASES = _cases()


def test_the_suite_sends_at_least_five_hundred_hostile_requests():
    assert len(CASES) + len(INTROSPECTION) + len(TYPOS) + len(CROSS_TOWN) >= 500


CATEGORIES = sorted({case_id.split("-")[0] for case_id, _ in CASES})


def _fresh_buckets() -> None:
    from kyodo.api.throttle import _redis

    for key in _redis().scan_iter("kyodo:api:bucket:*"):  # a throttled answer would hide the case behind it
        _redis().delete(key)


@pytest.mark.parametrize("category", CATEGORIES)
def test_hostile_requests_are_refused_with_a_typed_error(vendor_api, category):
    """One request per case of the category, each checked on its own; the failures name their cases."""
    failures = []
    for case_id, build in CASES:
        if case_id.split("-")[0] != category:
            continue
        _fresh_buckets()
        try:
            assert_refusal(build(vendor_api), case_id)
        except AssertionError as failure:
            failures.append(str(failure).splitlines()[0])
    assert failures == []


@pytest.mark.parametrize("name", sorted(INTROSPECTION))
def test_introspection_is_refused_to_a_vendor_outside_debug(vendor_api, settings, name):
    from graphql import get_introspection_query

    settings.DEBUG = False
    query = INTROSPECTION[name] or get_introspection_query()
    body = assert_refusal(send(vendor_api, query_body(query)), f"introspection-{name}")
    assert "data" not in body or body["data"] is None, name
    assert "introspection" in json.dumps(body["errors"]).lower(), body


@pytest.mark.parametrize("name", sorted(TYPOS))
def test_no_field_suggestions_for_a_vendor_outside_debug(vendor_api, settings, name):
    settings.DEBUG = False
    body = assert_refusal(send(vendor_api, query_body(TYPOS[name]), HTTP_IDEMPOTENCY_KEY="k"), f"typo-{name}")
    assert "Did you mean" not in json.dumps(body, ensure_ascii=False), body


# -- town B's records on town A's host ------------------------------------------------------------------

B_NAME = ("鹿島", "特異")


@pytest.fixture
def town_b_records(town_b, clerk_b, in_town):
    """A household of town B (the 「鹿島 特異」 family) through the real services; its persons' ids and the
    ids town A's endpoint would give them, and a household id."""
    from django.contrib.auth import get_user_model

    from kyodo.api import ids
    from tenants.residents import services
    from tenants.residents.models import PersonVersion

    with in_town(town_b):
        change = services.change_submit(
            actor=clerk_b, town=town_b, kind="move_in", notified_on="2024-04-05", effective_on="2024-04-01",
            data=move_in_data([person_data(family_name=B_NAME[0], given_name=B_NAME[1], family_name_kana="カシマ",
                                           given_name_kana="トクイ")],
                              address="佐賀県鹿島市大字納富分2643番地1", katagaki=""))
        services.change_approve(actor=get_user_model().objects.get(username="approver-b"), town=town_b, change=change)
        version = PersonVersion.objects.get(is_current=True, family_name=B_NAME[0])
        person, household, change_id = version.person_id, version.household_id, change.pk
    return {
        "b-person": ids.node_id("Person", "412074", person),
        "b-household": ids.node_id("Household", "412074", household),
        "b-change": ids.node_id("ResidentChange", "412074", change_id),
        "b-person-as-town-a": ids.node_id("Person", "412066", person),
        "b-household-as-town-a": ids.node_id("Household", "412066", household),
        "b-person-as-household": ids.node_id("Household", "412074", person),
        "b-person-as-tax": ids.node_id("TaxPayer", "412074", person),
        "b-person-as-tax-town-a": ids.node_id("TaxPayer", "412066", person),
        "b-person-unknown-type": ids.node_id("Municipality", "412074", person),
        "b-person-raw-key": str(person),
        "b-person-no-town": base64.urlsafe_b64encode(f"Person::{person}".encode()).decode(),
        "b-person-town-name": base64.urlsafe_b64encode(f"Person:鹿島市:{person}".encode()).decode(),
        "b-person-padded-town": base64.urlsafe_b64encode(f"Person: 412066:{person}".encode()).decode(),
        "b-person-fullwidth-key": ids.node_id("Person", "412066", str(person).translate(
            str.maketrans("0123456789", "０１２３４５６７８９"))),
    }


CROSS_TOWN = [f"{key}-{how}" for key in (
    "b-person", "b-household", "b-change", "b-person-as-town-a", "b-household-as-town-a", "b-person-as-household",
    "b-person-as-tax", "b-person-as-tax-town-a", "b-person-unknown-type", "b-person-raw-key", "b-person-no-town",
    "b-person-town-name", "b-person-padded-town", "b-person-fullwidth-key") for how in ("node", "nodes", "kashima")]


@pytest.mark.parametrize("case", CROSS_TOWN)
def test_town_b_ids_on_town_a_host_answer_like_ids_that_do_not_exist(vendor_api, town_b_records, case):
    """Not found and not allowed look the same: ``node`` is null, ``nodes`` all null, nothing of B in the
    body; town B's own host refuses a token whose contract is town A only."""
    key, _, how = case.rpartition("-")
    value = town_b_records[key]
    fields = "id ... on Person { fullName household { number } } ... on Household { number }"
    if how == "kashima":
        response = vendor_api.post(f"{{ node(id: {json.dumps(value)}) {{ {fields} }} }}", host="kashima.test")
        assert response.status_code == 403, case
        assert_refusal(response, case)
        return
    if how == "node":
        response = send(vendor_api, query_body(f"query Q($id: ID!) {{ node(id: $id) {{ {fields} }} }}",
                                               variables={"id": value}))
    else:
        response = send(vendor_api, query_body(f"query Q($ids: [ID!]!) {{ nodes(ids: $ids) {{ {fields} }} }}",
                                               variables={"ids": [value, value]}))
    text = response.content.decode()
    assert response.status_code == 200, (case, text[:300])
    assert LEAKS.search(text) is None, (case, text[:300])
    body = response.json()
    if how == "node":
        assert body["data"] == {"node": None}, (case, body)
    else:
        assert body["data"] == {"nodes": [None, None]}, (case, body)
