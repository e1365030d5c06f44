"""The vendor GraphQL API (ベンダー向けAPI): errors, static query limits and cost, and throttling.

``kyodo.api.limits`` and ``kyodo.api.throttle`` are self-contained: the endpoint parses with
``parse_document``, validates with ``validation_rules``, refuses with ``analyse``, takes the requested cost
from the bucket, executes, and refunds the difference to ``actual_cost``.
"""
