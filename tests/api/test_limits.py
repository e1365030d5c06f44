"""Static limits and calculated query cost of the vendor API (kyodo.api.limits), on the small graphene
schema of tests/api/schema.py: towns → households → members connections, an unpaged list, a mutation."""

from __future__ import annotations

import pytest
from graphene.relay import Node
from graphql import DocumentNode, get_introspection_query, validate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kyodo.api.errors import ApiError
from kyodo.api.limits import (
    WALK_BUDGET,
    Limits,
    actual_cost,
    analyse,
    declare_list_size,
    parse_document,
    scrub_suggestions,
    validation_rules,
)
from kyodo.config import ApiConfig
from tests.api.schema import build

LIMITS = Limits()
SCHEMA = build()
GRAPHQL_SCHEMA = SCHEMA.graphql_schema

NESTED = """
{ towns(first: 3) { edges { node { name
    households(first: 10) { edges { node { address
      members(first: 20) { edges { node { name } } } } } } } } } }
"""


def _analyse(query: str, variables=None, limits: Limits = LIMITS, operation_name=None, schema=GRAPHQL_SCHEMA):
    document = parse_document(query, limits)
    errors = validate(schema, document, validation_rules(allow_introspection=True))
    assert errors == [], errors
    return analyse(schema, document, variables, operation_name, limits)


def _refusal(query: str, variables=None, limits: Limits = LIMITS) -> ApiError:
    with pytest.raises(ApiError) as caught:
        _analyse(query, variables, limits)
    return caught.value


# -- limits from the configuration ------------------------------------------------------------------


def test_limits_default_to_the_documented_values_and_follow_the_environment():
    assert Limits() == Limits(max_depth=10, max_aliases=30, max_tokens=2000, max_cost=1000, max_page=250,
                              default_page=50, max_nodes=50_000, max_body_bytes=64 * 1024)
    assert Limits.from_config(ApiConfig.from_environ({})) == Limits()
    configured = Limits.from_config(ApiConfig.from_environ({"KYODO_API_MAX_COST": "500",
                                                            "KYODO_API_MAX_PAGE": "100"}))
    assert (configured.max_cost, configured.max_page, configured.max_depth) == (500, 100, 10)


# -- requested cost, computed by hand ------------------------------------------------------------


def test_nested_connections_cost_two_plus_page_times_item():
    analysis = _analyse(NESTED)
    # members:    2 + 20 × (node 1 + name 0)                  =  22
    # households: 2 + 10 × (node 1 + address 0 + members 22)  = 232
    # towns:      2 +  3 × (node 1 + name 0 + households 232) = 701
    assert analysis.requested_cost == 701
    # towns 3 + households 3×10 + members 3×10×20
    assert analysis.nodes == 3 + 30 + 600
    # towns, edges, node, households, edges, node, members, edges, node, name
    assert analysis.depth == 10
    assert (analysis.aliases, analysis.operation_type) == (0, "query")


def test_page_size_comes_from_variables_and_defaults_to_default_page():
    query = "query Towns($n: Int) { towns(first: $n) { edges { cursor node { name } } pageInfo { hasNextPage } } }"
    assert _analyse(query, {"n": 7}).requested_cost == 2 + 7 * 1
    assert _analyse(query, {}).requested_cost == 2 + 50 * 1  # first unset: default_page
    assert _analyse(query, {"n": 7}, Limits(default_page=5)).requested_cost == 9
    # first and last together: at most the smaller number of rows
    assert _analyse("{ towns(first: 40, last: 4) { edges { node { name } } } }").requested_cost == 2 + 4 * 1


def test_a_connection_without_rows_asked_still_costs_its_two():
    assert _analyse("{ towns(first: 100) { pageInfo { hasNextPage endCursor } } }").requested_cost == 2


def test_fragments_cost_like_the_fields_they_expand_to():
    inline = _analyse("{ towns(first: 4) { edges { node { ... on Town { name households(first: 2) "
                      "{ edges { node { address } } } } } } } }")
    named = _analyse("""
        query { towns(first: 4) { ...Page } }
        fragment Page on TownConnection { edges { node { ...TownFields } } }
        fragment TownFields on Town { name households(first: 2) { edges { node { address } } } }
    """)
    # towns: 2 + 4 × (node 1 + households (2 + 2 × (node 1)))  = 2 + 4 × 5 = 22
    assert inline.requested_cost == named.requested_cost == 22


def test_type_conditioned_branches_cost_their_maximum_not_their_sum():
    analysis = _analyse("""
        { node(id: "VG93bjox") {
            id
            ... on Town { households(first: 4) { edges { node { address } } } }
            ... on Person { household { address } }
        } }
    """)
    # node: 1 + max(Town: households 2 + 4 × 1 = 6, Person: household 1, Household: 0) = 7
    assert analysis.requested_cost == 7


def test_fragments_on_an_interface_and_on_its_type_add_up_within_that_type():
    analysis = _analyse("""
        { node(id: "x") { ... on Node { id } ...P } }
        fragment P on Person { household { head { name } } }
    """)
    # node: 1 + Person (household 1 + head 1) = 3
    assert analysis.requested_cost == 3


def test_skipped_fields_cost_nothing():
    query = "query($all: Boolean!) { towns(first: 10) { edges { node { name households @include(if: $all) " \
            "{ edges { node { address } } } } } } }"
    # without households: 2 + 10 × 1; with the default page of 50 households: 2 + 10 × (1 + 2 + 50 × 1)
    assert _analyse(query, {"all": False}).requested_cost == 12
    assert _analyse(query, {"all": True}).requested_cost == 532


def test_unpaged_lists_count_ten_items_unless_declared_and_scalar_lists_nothing():
    assert _analyse("{ tags { label } numbers }").requested_cost == 10 * (1 + 0) + 0
    schema = build().graphql_schema
    declare_list_size(schema, "Query.tags", 3)
    assert _analyse("{ tags { label } }", schema=schema).requested_cost == 3
    # the declaration is per schema object: the shared schema is unchanged
    assert _analyse("{ tags { label } }").requested_cost == 10
    with pytest.raises(ValueError):
        declare_list_size(schema, "Query.nothing", 3)


def test_a_mutation_field_costs_ten_plus_its_selection():
    analysis = _analyse('mutation { renameTown(code: "412061", name: "新町") { town { name } } }')
    assert analysis.requested_cost == 10 + 1  # renameTown 10 + town 1
    assert analysis.operation_type == "mutation"


def test_operation_name_picks_the_operation_costed():
    query = "query A { tags { label } } query B { numbers }"
    assert _analyse(query, operation_name="A").requested_cost == 10
    assert _analyse(query, operation_name="B").requested_cost == 0
    with pytest.raises(ApiError) as caught:
        _analyse(query, operation_name="C")
    assert caught.value.code == "BAD_REQUEST"


def test_wrong_variable_values_are_a_validation_error_not_a_crash():
    error = _refusal("query($n: Int) { towns(first: $n) { edges { node { name } } } }", {"n": "many"})
    assert error.code == "VALIDATION"
    assert error.as_graphql_error()["extensions"]["messageJa"].startswith("変数の値が正しくありません")


# -- refusals --------------------------------------------------------------------------------------


def test_a_page_above_max_page_is_refused_naming_the_field():
    error = _refusal("{ towns(first: 251) { edges { node { name } } } }")
    assert (error.code, error.path) == ("PAGE_SIZE_INVALID", ["towns"])
    assert error.extra == {"argument": "first", "value": 251, "maximum": 250}
    assert _analyse("{ towns(first: 250) { edges { node { name } } } }").requested_cost == 252


def test_a_nested_page_or_a_variable_page_out_of_range_is_refused_with_its_path():
    error = _refusal("{ towns(first: 1) { edges { node { h: households(last: -1) { edges { node { address } } } } } } }")
    assert (error.code, error.path) == ("PAGE_SIZE_INVALID", ["towns", "edges", "node", "h"])
    assert "last" in error.message_en and "0 以上 250 以下" in error.message_ja
    error = _refusal("query($n: Int) { towns(first: $n) { edges { node { name } } } }", {"n": 1000})
    assert (error.code, error.path) == ("PAGE_SIZE_INVALID", ["towns"])


def _chain(levels: int) -> str:
    """A query of exactly ``levels`` fields deep: node, then household/head alternately, then id."""
    outside_in = ["household" if index % 2 == 0 else "head" for index in range(levels - 2)]
    inner = "id"
    for name in reversed(outside_in):
        inner = f"{name} {{ {inner} }}"
    return f'{{ node(id: "x") {{ ... on Person {{ {inner} }} }} }}'


def test_depth_ten_passes_and_depth_eleven_is_refused_at_the_eleventh_field():
    assert _analyse(_chain(10)).depth == 10
    error = _refusal(_chain(11))
    assert error.code == "MAX_DEPTH_EXCEEDED"
    assert len(error.path) == 11 and error.path[0] == "node" and error.path[-1] == "id"
    assert error.as_graphql_error()["extensions"]["maximumDepth"] == 10


def test_thirty_aliases_pass_and_the_thirty_first_is_refused():
    def aliases(n: int) -> str:
        return "{ " + " ".join(f"a{i}: numbers" for i in range(n)) + " }"

    assert _analyse(aliases(30)).aliases == 30
    error = _refusal(aliases(31))
    assert (error.code, error.path) == ("TOO_MANY_ALIASES", ["a30"])


def test_aliases_of_typename_count_too():
    query = "{ towns(first: 1) { edges { node { " + " ".join(f"t{i}: __typename" for i in range(31)) + " } } } }"
    error = _refusal(query)
    assert (error.code, error.path) == ("TOO_MANY_ALIASES", ["towns", "edges", "node", "t30"])


def test_variables_that_are_not_an_object_are_a_bad_request():
    document = parse_document("{ numbers }", LIMITS)
    with pytest.raises(ApiError) as caught:
        analyse(GRAPHQL_SCHEMA, document, ["n", 1], None, LIMITS)  # type: ignore[arg-type]
    assert caught.value.code == "BAD_REQUEST"


def test_aliases_in_a_fragment_spread_twice_count_once():
    analysis = _analyse("{ tags { ...F ...F } } fragment F on Tag { x: label }")
    assert analysis.aliases == 1


def test_the_node_limit_sums_page_sizes_multiplied_down_connections():
    limits = Limits(max_cost=10**9)  # every node costs at least 1, so the node limit shows only past max_cost
    query = "{ towns(first: 250) { edges { node { households(first: %d) { edges { node { address } } } } } } }"
    # households 250 × 201 = 50,250 nodes: crossed at the households already
    error = _refusal(query % 201, limits=limits)
    assert (error.code, error.path) == ("MAX_NODES_EXCEEDED", ["towns", "edges", "node", "households"])
    assert error.extra == {"nodes": 250 * 201, "maximumNodes": 50_000}
    # households 250 × 200 = 50,000, with the towns' own 250 it is 50,250: crossed at towns
    error = _refusal(query % 200, limits=limits)
    assert (error.code, error.path, error.extra["nodes"]) == ("MAX_NODES_EXCEEDED", ["towns"], 50_250)
    assert _analyse(query % 199, limits=limits).nodes == 250 + 250 * 199  # 50,000: at the limit


def test_a_query_above_max_cost_is_refused_where_it_crossed():
    error = _refusal("{ towns(first: 250) { edges { node { households(first: 4) { edges { node { address } } } } } } }")
    assert error.code == "MAX_COST_EXCEEDED"
    # 250 towns × (node 1 + households 2 + 4): the households of the first towns already pass 1000
    assert error.path[:3] == ["towns", "edges", "node"]
    assert error.extra["maximumCost"] == 1000 and error.extra["requestedQueryCost"] > 1000
    assert "1000" in error.message_ja and "1000" in error.message_en


def test_cost_exactly_at_the_maximum_passes():
    # 2 + 998 × 1 is not possible (max_page 250): 4 connections of 2 + 248 × 1 = 250 each
    query = "{ " + " ".join(f"t{i}: towns(first: 248) {{ edges {{ node {{ name }} }} }}" for i in range(4)) + " }"
    assert _analyse(query).requested_cost == 1000
    with pytest.raises(ApiError) as caught:
        _analyse(query.replace("t3: towns(first: 248)", "t3: towns(first: 249)"))
    assert (caught.value.code, caught.value.path) == ("MAX_COST_EXCEEDED", ["t3"])


def test_a_fragment_fan_out_of_empty_pages_is_bounded():
    # Pages of 0 cost 2 each and ask for no rows, but each fragment spreads the previous one twice:
    # the document expands to 2^16 connections. The walk stops at WALK_BUDGET field positions.
    fragments = ["fragment H0 on Household { address }"]
    for k in range(1, 17):
        branch = f"members(first: 0) {{ edges {{ node {{ household {{ ...H{k - 1} }} }} }} }}"
        fragments.append(f"fragment H{k} on Household {{ a{k}: {branch} b{k}: {branch} }}")
    query = '{ node(id: "x") { ...H16 } } ' + " ".join(fragments)
    error = _refusal(query, limits=Limits(max_depth=1000, max_aliases=1000))
    assert error.code == "MAX_COST_EXCEEDED"
    assert f"more than {WALK_BUDGET} fields" in error.message_en
    # the same shape three levels deep is costed: node 1 + two connections of 2 at the top
    small = '{ node(id: "x") { ...H3 } } ' + " ".join(fragments[:4])
    assert _analyse(small, limits=Limits(max_depth=1000)).requested_cost == 1 + 2 + 2


# -- parsing ---------------------------------------------------------------------------------------


def test_token_limit_two_thousand_passes_two_thousand_and_one_is_refused():
    def tokens(n: int) -> str:  # "{" + fields + "}"
        return "{ " + " ".join(["numbers"] * (n - 2)) + " }"

    assert isinstance(parse_document(tokens(2000), LIMITS), DocumentNode)
    with pytest.raises(ApiError) as caught:
        parse_document(tokens(2001), LIMITS)
    assert caught.value.code == "TOO_MANY_TOKENS"
    assert caught.value.extra == {"maximumTokens": 2000}


def test_comments_cannot_pad_past_the_token_limit():
    with pytest.raises(ApiError) as caught:
        parse_document("#\n" * 2001 + "{ numbers }", LIMITS)
    assert caught.value.code == "TOO_MANY_TOKENS"


def test_nul_syntax_errors_and_oversized_text_are_api_errors():
    with pytest.raises(ApiError) as nul:
        parse_document("{ numbers \x00 }", LIMITS)
    assert nul.value.code == "BAD_REQUEST"
    with pytest.raises(ApiError) as syntax:
        parse_document("{ towns(first: ) }", LIMITS)
    assert syntax.value.code == "SYNTAX"
    assert syntax.value.extra == {"line": 1, "column": 16}
    assert "1行16列" in syntax.value.message_ja
    with pytest.raises(ApiError) as large:
        parse_document("{ numbers }" + " " * (64 * 1024), LIMITS)
    assert large.value.code == "BODY_TOO_LARGE"


def test_a_deeply_nested_text_is_a_syntax_error_not_a_recursion_error():
    with pytest.raises(ApiError) as caught:
        parse_document("{ a " * 1900 + "}" * 1900, Limits(max_tokens=100_000))
    assert caught.value.code == "SYNTAX"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_is_refused_with_an_api_error(text):
    try:
        assert isinstance(parse_document(text, LIMITS), DocumentNode)
    except ApiError as exc:
        assert exc.code in {"BAD_REQUEST", "SYNTAX", "TOO_MANY_TOKENS", "BODY_TOO_LARGE"}


# -- validation rules ------------------------------------------------------------------------------


def test_introspection_is_refused_by_the_rule_when_not_allowed():
    document = parse_document("{ __schema { types { name } } }", LIMITS)
    refused = validate(GRAPHQL_SCHEMA, document, validation_rules(allow_introspection=False))
    assert refused and all("introspection has been disabled" in error.message for error in refused)
    assert "'__schema'" in refused[0].message
    assert validate(GRAPHQL_SCHEMA, document, validation_rules(allow_introspection=True)) == []
    # __typename is not introspection of the schema
    typename = parse_document("{ towns { __typename } }", LIMITS)
    assert validate(GRAPHQL_SCHEMA, typename, validation_rules(allow_introspection=False)) == []


def test_allowed_introspection_costs_nothing_and_is_not_counted_for_depth():
    analysis = _analyse(get_introspection_query(), limits=Limits(max_tokens=10_000))
    assert (analysis.requested_cost, analysis.depth, analysis.nodes) == (0, 1, 0)  # __schema itself only


def test_suggestions_are_scrubbed_from_validation_messages():
    document = parse_document("{ towns { edges { node { nam } } } }", LIMITS)
    [error] = validate(GRAPHQL_SCHEMA, document, validation_rules(allow_introspection=False))
    assert "Did you mean" in error.message
    assert scrub_suggestions(error.message) == "Cannot query field 'nam' on type 'Town'."
    several = "Unknown argument 'frist' on field 'Query.towns'. Did you mean 'first', 'last', or 'after'?"
    assert scrub_suggestions(several) == "Unknown argument 'frist' on field 'Query.towns'."
    assert scrub_suggestions("Field 'x' must not have a selection.") == "Field 'x' must not have a selection."


# -- actual cost -----------------------------------------------------------------------------------


def _actual(query: str, variables=None) -> tuple[int, int]:
    document = parse_document(query, LIMITS)
    requested = analyse(GRAPHQL_SCHEMA, document, variables, None, LIMITS).requested_cost
    result = SCHEMA.execute(query, variable_values=variables)
    assert result.errors is None, result.errors
    return requested, actual_cost(GRAPHQL_SCHEMA, document, None, variables, result.data)


def test_actual_cost_counts_the_rows_returned():
    requested, actual = _actual(NESTED)
    # 3 towns × 2 households × 2 members returned:
    # members 2 + 2 × 1 = 4; households 2 + 2 × (1 + 4) = 12; towns 2 + 3 × (1 + 12) = 41
    assert (requested, actual) == (701, 41)


def test_actual_cost_of_lists_mutations_and_interfaces():
    assert _actual("{ tags { label } numbers }") == (10, 3)  # three tags returned, 3 × 1
    assert _actual('mutation { renameTown(code: "412061", name: "新町") { town { name } } }') == (11, 11)
    assert _actual('mutation { renameTown(code: "999999", name: "新町") { town { name } } }') == (11, 11)
    town_id = Node.to_global_id("Town", "1")
    query = ('query($id: ID!) { node(id: $id) { ... on Town { name households(first: 5) '
             '{ edges { node { address } } } } ... on Person { household { address } } } }')
    # requested: 1 + max(Town 2 + 5 × 1, Person 1) = 8; actual: the Town with its 2 households, 1 + 2 + 2
    assert _actual(query, {"id": town_id}) == (8, 5)


def test_actual_cost_of_a_null_or_missing_result_is_small_and_never_fails():
    document = parse_document(NESTED, LIMITS)
    assert actual_cost(GRAPHQL_SCHEMA, document, None, None, None) == 0
    assert actual_cost(GRAPHQL_SCHEMA, document, None, None, {"towns": None}) == 2
    assert actual_cost(GRAPHQL_SCHEMA, document, None, None, {"towns": {"edges": [None, {"node": None}]}}) == 2 + 1


# -- property: the analysis passes or refuses, never crashes ----------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(levels=st.integers(min_value=2, max_value=16), alias_count=st.integers(min_value=0, max_value=40),
       aliases_first=st.booleans(), page=st.integers(min_value=-3, max_value=300))
def test_random_depths_aliases_and_pages_pass_or_raise_api_error(levels, alias_count, aliases_first, page):
    aliased = " ".join(f"a{i}: numbers" for i in range(alias_count))
    paged = f"towns(first: {page}) {{ edges {{ node {{ name }} }} }}"
    chain = _chain(levels)[1:-1]
    query = "{ " + (f"{aliased} {chain} {paged}" if aliases_first else f"{chain} {aliased} {paged}") + " }"
    checks = [("TOO_MANY_ALIASES", alias_count > 30), ("MAX_DEPTH_EXCEEDED", levels > 10),
              ("PAGE_SIZE_INVALID", not 0 <= page <= 250)]
    if not aliases_first:
        checks[0], checks[1] = checks[1], checks[0]
    expected = next((code for code, crossed in checks if crossed), None)
    try:
        analysis = _analyse(query)
    except ApiError as exc:
        assert exc.code == expected
    else:
        assert expected is None
        assert (analysis.depth, analysis.aliases) == (max(levels, 4), alias_count)
        assert analysis.requested_cost == (levels - 1) + (2 + page)  # node and the chain's objects; towns


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                     lambda children: st.lists(children, max_size=4)
                     | st.dictionaries(st.sampled_from(["towns", "edges", "node", "name", "households",
                                                        "members", "tags", "label"]), children, max_size=4),
                     max_leaves=30)


@settings(max_examples=200, deadline=None)
@given(data=_JSON)
def test_actual_cost_of_any_returned_shape_is_a_small_number_never_an_exception(data):
    document = parse_document("query Nested " + NESTED + " query Tags { tags { label } }", LIMITS)
    for operation in ("Nested", "Tags"):
        cost = actual_cost(GRAPHQL_SCHEMA, document, operation, None, data if isinstance(data, dict) else None)
        assert isinstance(cost, int) and 0 <= cost <= 10_000
