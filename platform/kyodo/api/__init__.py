"""The GraphQL API (連携API) for vendors and staff: one endpoint per town host, composed from the
applications' declared schema parts (docs/api.md)."""
