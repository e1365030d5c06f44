"""Static limits and calculated cost (クエリコスト) of vendor GraphQL queries, checked before execution.

The endpoint calls, in this order: ``parse_document`` (size, NUL, token limit, syntax), graphql-core's
``validate`` with ``validation_rules(...)``, then ``analyse`` (depth, aliases, page sizes, nodes,
requested cost) and, after execution, ``actual_cost`` for the refund to the bucket (``kyodo.api.throttle``).
Fields are gathered exactly as the executor gathers them (graphql-core's ``collect_fields``: fragments
and inline fragments expanded, ``@skip``/``@include`` applied, repeated fields merged by response key).

Cost rules (after Shopify's calculated query cost):

- a scalar or enum field, ``__typename``: 0;
- an object field (also interface or union): 1 + the cost of its selection;
- a connection field — its type, unwrapped, is an object type whose name ends in ``Connection`` and
  which has ``edges`` and ``pageInfo`` — costs 2 + n × (cost of one item), where n is its ``first`` or
  ``last`` argument (the smaller if both; variables resolved; ``default_page`` when neither is given)
  and one item is the selection under ``edges`` (``node`` is an object field: 1 + its selection) plus,
  when the connection has it, 1 + the selection under ``nodes``. ``pageInfo``, ``totalCount`` and the
  like are part of the 2. ``first``/``last`` below 0 or above ``max_page`` is ``PAGE_SIZE_INVALID``;
- a list of objects without paging: size × (1 + the cost of its selection), size 10 unless the field
  declares another with ``declare_list_size`` (one factor per list wrapper); a list of scalars: 0;
- a field of the mutation root: 10 + the cost of its selection;
- ``__schema`` and ``__type``: 0, and not walked (``validation_rules`` refuses them for vendors);
- an interface or union: the most expensive of its possible object types (type-conditioned branches
  are alternatives: the maximum, not the sum).

Depth counts fields (a top-level field is depth 1; ``edges`` and ``node`` are levels too; nothing under
``__schema``/``__type``); aliases are the aliased field nodes of the operation, ``__typename`` included (a
fragment spread twice counts once). Nodes, after GitHub's
node limit: a connection of n items or a list of size n counts n × (1 + the nodes below one item), and
each field counts for as many times as the connections and lists above it multiply (the product of
their sizes), summed over the whole operation.

The actual cost applies the same rules to the data returned: a connection costs 2 + the sum over the
edges and nodes actually returned, a list the sum over its non-null items, a null object its own 1
(2 for a connection, 10 for a mutation field) without its selection.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLSyntaxError,
    NoSchemaIntrospectionCustomRule,
    StringValueNode,
    Visitor,
    get_named_type,
    get_operation_ast,
    is_abstract_type,
    is_leaf_type,
    is_object_type,
    parse,
    specified_rules,
    visit,
)
from graphql.execution.collect_fields import collect_fields, collect_sub_fields
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.language import OperationType
from graphql.validation import ASTValidationRule

from kyodo.config import API, ApiConfig

from .errors import ApiError

# Key in a GraphQLField's ``extensions`` holding the expected length of an unpaged list (declare_list_size).
LIST_SIZE_EXTENSION = "kyodoListSize"
DEFAULT_LIST_SIZE = 10
# Field positions one analysis may visit (fragments reused at several places, interfaces walked once
# per possible type): bounds the work on a document whose every page is 0 and so costs nothing.
WALK_BUDGET = 100_000

_INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
_UNKNOWN: Any = object()  # the value of a field before execution (requested cost)
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


@dataclass(frozen=True)
class Limits:
    """The limits of one query (defaults and environment variables in ``kyodo.config.ApiConfig``)."""

    max_depth: int = ApiConfig.max_depth
    max_aliases: int = ApiConfig.max_aliases
    max_tokens: int = ApiConfig.max_tokens
    max_cost: int = ApiConfig.max_cost
    max_page: int = ApiConfig.max_page
    default_page: int = ApiConfig.default_page
    max_nodes: int = ApiConfig.max_nodes
    max_body_bytes: int = ApiConfig.max_body_bytes

    @classmethod
    def from_config(cls, config: ApiConfig = API) -> Limits:
        return cls(max_depth=config.max_depth, max_aliases=config.max_aliases, max_tokens=config.max_tokens,
                   max_cost=config.max_cost, max_page=config.max_page, default_page=config.default_page,
                   max_nodes=config.max_nodes, max_body_bytes=config.max_body_bytes)


@dataclass(frozen=True)
class Analysis:
    """What ``analyse`` found in an operation that passed every limit."""

    requested_cost: int
    depth: int
    aliases: int
    nodes: int
    operation_type: str  # "query", "mutation" or "subscription"


def parse_document(source: str, limits: Limits) -> DocumentNode:
    """Parse a query text, refusing an over-long text, NUL, more than ``max_tokens`` tokens (comments are
    limited to as many again, separately) and syntax errors as ``ApiError`` — never anything else."""
    if not isinstance(source, str):
        raise ApiError("BAD_REQUEST", message_ja="query は文字列で指定してください",
                       message_en="query must be a string")
    if len(source) > limits.max_body_bytes:
        raise _too_large(limits)
    if "\x00" in source:
        raise ApiError("BAD_REQUEST", message_ja="クエリに NUL 文字が含まれています",
                       message_en="The query contains a NUL character")
    try:
        # max_lexical_tokens / max_comments: this graphql-core's replacements for the deprecated max_tokens.
        document = parse(source, max_lexical_tokens=limits.max_tokens, max_comments=limits.max_tokens,
                         max_source_length=limits.max_body_bytes)
    except GraphQLSyntaxError as exc:
        # graphql-core raises its limits as syntax errors; only the message tells them apart (the tests
        # of the limits fail if an upgrade rewords it).
        if "Document contains more than" in exc.message:
            raise ApiError("TOO_MANY_TOKENS",
                           message_ja=f"クエリのトークン数が上限（{limits.max_tokens}）を超えています",
                           message_en=f"The query has more than {limits.max_tokens} tokens",
                           extra={"maximumTokens": limits.max_tokens}) from None
        if "Source contains more than" in exc.message:
            raise _too_large(limits) from None
        location = exc.locations[0] if exc.locations else None
        extra = {"line": location.line, "column": location.column} if location else {}
        where = f"{location.line}行{location.column}列: " if location else ""
        raise ApiError("SYNTAX", message_ja=f"クエリの構文が正しくありません（{where}{exc.message}）",
                       message_en=exc.message, extra=extra) from None
    # A string literal may still carry NUL as the escape \u0000, which the check of the text above
    # cannot see; PostgreSQL refuses it in text, so it is refused here like NUL in variables.
    if any("\x00" in node.value for node in _string_values(document)):
        raise ApiError("BAD_REQUEST", message_ja="クエリの文字列に NUL 文字が含まれています",
                       message_en="A string in the query contains a NUL character")
    return document


def _string_values(document: DocumentNode) -> list[StringValueNode]:
    found: list[StringValueNode] = []

    class _Strings(Visitor):
        def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
            found.append(node)

    visit(document, _Strings())
    return found


def validation_rules(*, allow_introspection: bool) -> list[type[ASTValidationRule]]:
    """graphql-core's standard rules, and no ``__schema``/``__type`` unless introspection is allowed."""
    rules: list[type[ASTValidationRule]] = list(specified_rules)
    if not allow_introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return rules


def scrub_suggestions(message: str) -> str:
    """A validation message without its 'Did you mean …?' (it names fields the caller did not ask about)."""
    return _SUGGESTION.sub("", message)


def declare_list_size(schema: GraphQLSchema, coordinate: str, size: int) -> None:
    """Declare the expected length of the unpaged list field ``Type.field`` (instead of 10)."""
    type_name, _, field_name = coordinate.partition(".")
    type_ = schema.get_type(type_name)
    if not is_object_type(type_) or field_name not in type_.fields:  # type: ignore[union-attr]
        raise ValueError(f"no field {coordinate} in the schema")
    if size < 0:
        raise ValueError("a list size is 0 or more")
    graphql_field = type_.fields[field_name]  # type: ignore[union-attr]
    graphql_field.extensions = {**(graphql_field.extensions or {}), LIST_SIZE_EXTENSION: size}


def analyse(schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None,
            operation_name: str | None, limits: Limits) -> Analysis:
    """Check a validated document against ``limits`` and compute its requested cost; ``ApiError`` names
    the field path at which a limit was crossed."""
    walk = _Walk(schema, document, variables, operation_name, limits, enforce=True)
    cost, nodes = walk.run(_UNKNOWN)
    return Analysis(requested_cost=cost, depth=walk.depth, aliases=len(walk.aliases), nodes=nodes,
                    operation_type=walk.operation.operation.value)


def actual_cost(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
                variables: Mapping[str, Any] | None, data: Mapping[str, Any] | None) -> int:
    """The cost rules applied to the data the execution returned (the lengths actually returned)."""
    if data is None:
        return 0
    try:
        walk = _Walk(schema, document, variables, operation_name, Limits(), enforce=False)
    except ApiError:
        return 0
    return walk.run(data)[0]


def _too_large(limits: Limits) -> ApiError:
    return ApiError("BODY_TOO_LARGE", message_ja=f"クエリが大きすぎます（上限 {limits.max_body_bytes} バイト）",
                    message_en=f"The query is larger than {limits.max_body_bytes} bytes",
                    extra={"maximumBytes": limits.max_body_bytes})


def _dotted(path: Sequence[str | int]) -> str:
    return ".".join(str(part) for part in path)


def _is_connection(type_: Any) -> bool:
    return (is_object_type(type_) and type_.name.endswith("Connection")
            and "edges" in type_.fields and "pageInfo" in type_.fields)


def _list_factors(type_: GraphQLOutputType) -> int:
    """How many list wrappers a field type has ([T] 1, [[T]!] 2)."""
    count = 0
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        if isinstance(type_, GraphQLList):
            count += 1
        type_ = type_.of_type
    return count


def _flatten(value: Any, levels: int) -> list[Any]:
    """The items of a (nested) list value, nulls left out."""
    items = [value]
    for _ in range(levels):
        items = [item for outer in items if isinstance(outer, list) for item in outer]
    return [item for item in items if item is not None]


@dataclass
class _Walk:
    """One walk over an operation: before execution (values ``_UNKNOWN``, limits enforced) or over the
    returned data (actual cost)."""

    schema: GraphQLSchema
    document: DocumentNode
    variables: Mapping[str, Any] | None
    operation_name: str | None
    limits: Limits
    enforce: bool
    depth: int = 0
    visits: int = 0
    aliases: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        operation = get_operation_ast(self.document, self.operation_name)
        if operation is None:
            raise ApiError("BAD_REQUEST", message_ja="実行する操作（operationName）が特定できません",
                           message_en="The operation to run cannot be determined (operationName)")
        self.operation = operation
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            raise ApiError("BAD_REQUEST", message_ja=f"この API は {operation.operation.value} を受け付けません",
                           message_en=f"This API does not support {operation.operation.value} operations")
        self.root = root
        self.fragments = {d.name.value: d for d in self.document.definitions
                          if isinstance(d, FragmentDefinitionNode)}
        if self.variables is not None and not isinstance(self.variables, Mapping):
            raise ApiError("BAD_REQUEST", message_ja="variables はオブジェクトで指定してください",
                           message_en="variables must be an object")
        coerced = get_variable_values(self.schema, operation.variable_definitions or (),
                                      dict(self.variables or {}), max_errors=1, hide_suggestions=True)
        if isinstance(coerced, list):
            raise ApiError("VALIDATION", message_ja=f"変数の値が正しくありません（{coerced[0].message}）",
                           message_en=coerced[0].message)
        self.variable_values = coerced

    def run(self, data: Any) -> tuple[int, int]:
        fields = collect_fields(self.schema, self.fragments, self.variable_values, self.root,
                                self.operation.selection_set)
        return self.selection(self.root, fields, data, [], 0, 1,
                              mutation_root=self.operation.operation == OperationType.MUTATION)

    # -- a selection set on one object type ------------------------------------------------------

    def selection(self, parent: GraphQLObjectType, fields: dict[str, list[FieldNode]], value: Any,
                  path: list[str | int], depth: int, multiplier: int, *, mutation_root: bool = False,
                  connection: bool = False) -> tuple[int, int]:
        """Cost and nodes of ``fields`` on ``parent``; ``connection``: the fields of a connection type,
        of which only one item's worth (edges, nodes) is returned."""
        total_cost = total_nodes = 0
        for key, nodes in fields.items():
            name = nodes[0].name.value
            here = [*path, key]
            self.enter(nodes, here, depth + 1)  # __typename and introspection fields count as aliases too
            if name in _INTROSPECTION_FIELDS or name == "__typename":
                continue
            field_def = parent.fields.get(name)
            if field_def is None:  # refused by validation; nothing to cost
                continue
            sub_value = value.get(key) if isinstance(value, Mapping) else (_UNKNOWN if value is _UNKNOWN else None)
            if connection:
                if name not in ("edges", "nodes"):
                    self.field(field_def, nodes, sub_value, here, depth + 1, multiplier)  # checks only
                    continue
                # an edge itself costs nothing (its node is an object field); an item of nodes is one
                cost, count = self.items(field_def, nodes, sub_value, here, depth + 1, multiplier,
                                         per_item_extra=1 if name == "nodes" else 0, in_connection=True)
            else:
                cost, count = self.field(field_def, nodes, sub_value, here, depth + 1, multiplier,
                                         mutation_root=mutation_root)
            total_cost += cost
            total_nodes += count
            if self.enforce:
                self.check_totals(here, multiplier * total_cost, multiplier * total_nodes)
        return total_cost, total_nodes

    def enter(self, nodes: list[FieldNode], path: list[str | int], depth: int) -> None:
        self.depth = max(self.depth, depth)
        self.visits += 1
        for node in nodes:
            if node.alias is not None:
                self.aliases.add(id(node))
        if not self.enforce:
            return
        if depth > self.limits.max_depth:
            raise ApiError("MAX_DEPTH_EXCEEDED",
                           message_ja=f"クエリの入れ子が深すぎます（{_dotted(path)}、上限 {self.limits.max_depth} 段）",
                           message_en=f"The query is nested more than {self.limits.max_depth} levels deep "
                                      f"at {_dotted(path)}",
                           path=path, extra={"maximumDepth": self.limits.max_depth})
        if len(self.aliases) > self.limits.max_aliases:
            raise ApiError("TOO_MANY_ALIASES",
                           message_ja=f"別名（エイリアス）が多すぎます（{_dotted(path)}、上限 {self.limits.max_aliases} 個）",
                           message_en=f"The query uses more than {self.limits.max_aliases} aliases "
                                      f"(at {_dotted(path)})",
                           path=path, extra={"maximumAliases": self.limits.max_aliases})
        if self.visits > WALK_BUDGET:
            raise ApiError("MAX_COST_EXCEEDED",
                           message_ja=f"クエリが複雑すぎて評価できません（{_dotted(path)}）",
                           message_en=f"The query expands to more than {WALK_BUDGET} fields (at {_dotted(path)})",
                           path=path, extra={"maximumCost": self.limits.max_cost})

    def check_totals(self, path: list[str | int], cost: int, nodes: int) -> None:
        if nodes > self.limits.max_nodes:
            raise ApiError("MAX_NODES_EXCEEDED",
                           message_ja=f"要求する件数が多すぎます（{_dotted(path)} までで最大 {nodes} 件、"
                                      f"上限 {self.limits.max_nodes} 件）",
                           message_en=f"By {_dotted(path)} the query asks for up to {nodes} nodes, more than "
                                      f"the maximum of {self.limits.max_nodes}",
                           path=path, extra={"nodes": nodes, "maximumNodes": self.limits.max_nodes})
        if cost > self.limits.max_cost:
            raise ApiError("MAX_COST_EXCEEDED",
                           message_ja=f"クエリのコストが上限を超えています（{_dotted(path)} までで {cost}、"
                                      f"上限 {self.limits.max_cost}）",
                           message_en=f"By {_dotted(path)} the query costs {cost}, more than the maximum "
                                      f"of {self.limits.max_cost}",
                           path=path, extra={"requestedQueryCost": cost, "maximumCost": self.limits.max_cost})

    # -- one field ---------------------------------------------------------------------------------

    def field(self, field_def: GraphQLField, nodes: list[FieldNode], value: Any, path: list[str | int],
              depth: int, multiplier: int, *, mutation_root: bool = False) -> tuple[int, int]:
        named = get_named_type(field_def.type)
        own = 10 if mutation_root else 0
        if is_leaf_type(named):
            return own, 0
        if _is_connection(named):
            return self.connection(field_def, named, nodes, value, path, depth, multiplier, own)
        levels = _list_factors(field_def.type)
        if levels:
            return self.items(field_def, nodes, value, path, depth, multiplier, per_item_extra=1,
                              in_connection=False, own=own)
        if value is None:
            return (own or 1), 0
        cost, count = self.composite(named, nodes, value, path, depth, multiplier)
        return (own or 1) + cost, count

    def connection(self, field_def: GraphQLField, conn: Any, nodes: list[FieldNode], value: Any,
                   path: list[str | int], depth: int, multiplier: int, own: int) -> tuple[int, int]:
        fields = collect_sub_fields(self.schema, self.fragments, self.variable_values, conn, nodes)
        if value is _UNKNOWN:
            n = self.page_size(field_def, nodes, path)
            cost, count = self.selection(conn, fields, _UNKNOWN, path, depth, multiplier * n, connection=True)
            return own + 2 + n * cost, n + n * count
        if not isinstance(value, Mapping):
            return own + 2, 0
        cost, count = self.selection(conn, fields, value, path, depth, multiplier, connection=True)
        return own + 2 + cost, count

    def items(self, field_def: GraphQLField, nodes: list[FieldNode], value: Any, path: list[str | int],
              depth: int, multiplier: int, *, per_item_extra: int, in_connection: bool,
              own: int = 0) -> tuple[int, int]:
        """A list field: ``edges`` or ``nodes`` of a connection (one item when the value is unknown, the
        page size being applied by the connection) or an unpaged list (its declared size)."""
        named = get_named_type(field_def.type)
        levels = _list_factors(field_def.type)
        if value is _UNKNOWN:
            if in_connection:
                size = 1
            else:
                declared = (field_def.extensions or {}).get(LIST_SIZE_EXTENSION, DEFAULT_LIST_SIZE)
                size = int(declared) ** levels
            if is_leaf_type(named):
                return own, 0
            cost, count = self.composite(named, nodes, _UNKNOWN, path, depth, multiplier * size)
            if in_connection:
                return per_item_extra + cost, count
            return own + size * (per_item_extra + cost), size + size * count
        total_cost = total_nodes = 0
        if is_leaf_type(named):
            return own, 0
        for index, item in enumerate(_flatten(value, levels)):
            cost, count = self.composite(named, nodes, item, [*path, index], depth, multiplier)
            total_cost += per_item_extra + cost
            total_nodes += 1 + count
        return own + total_cost, total_nodes

    def composite(self, named: Any, nodes: list[FieldNode], value: Any, path: list[str | int], depth: int,
                  multiplier: int) -> tuple[int, int]:
        """The selection of an object, interface or union: the most expensive possible object type."""
        candidates = list(self.schema.get_possible_types(named)) if is_abstract_type(named) else [named]
        collected = [(t, collect_sub_fields(self.schema, self.fragments, self.variable_values, t, nodes))
                     for t in candidates]
        if isinstance(value, Mapping) and len(collected) > 1:
            # The executor returns exactly the fields collected for the runtime type: those whose
            # response keys match the value are the types it can have been.
            matching = [(t, f) for t, f in collected if set(f) == set(value)]
            collected = matching or collected
        best_cost = best_nodes = 0
        for object_type, fields in collected:
            cost, count = self.selection(object_type, fields, value, path, depth, multiplier)
            best_cost, best_nodes = max(best_cost, cost), max(best_nodes, count)
        return best_cost, best_nodes

    def page_size(self, field_def: GraphQLField, nodes: list[FieldNode], path: list[str | int]) -> int:
        try:
            arguments = get_argument_values(field_def, nodes[0], self.variable_values)
        except GraphQLError as exc:
            raise ApiError("VALIDATION", message_ja=f"{_dotted(path)} の引数が正しくありません（{exc.message}）",
                           message_en=f"Invalid argument at {_dotted(path)}: {exc.message}", path=path) from None
        sizes = []
        for argument in ("first", "last"):
            size = arguments.get(argument)
            if size is None:
                continue
            if not isinstance(size, int) or size < 0 or size > self.limits.max_page:
                raise ApiError(
                    "PAGE_SIZE_INVALID",
                    message_ja=f"{_dotted(path)} の {argument} は 0 以上 {self.limits.max_page} 以下で指定してください"
                               f"（指定値 {size}）",
                    message_en=f"{argument} at {_dotted(path)} must be between 0 and {self.limits.max_page} "
                               f"(got {size})",
                    path=path, extra={"argument": argument, "value": size, "maximum": self.limits.max_page})
            sizes.append(size)
        return min(sizes) if sizes else self.limits.default_page
