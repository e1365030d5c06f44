"""The GraphQL API (連携API) for vendors and staff: one endpoint per town host, composed from the
applications' declared schema parts; typed errors, query cost and limits, a leaky bucket per caller
and town (docs/api.md)."""
