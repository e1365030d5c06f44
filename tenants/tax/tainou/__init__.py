"""滞納管理 link: the 調定・収納 and 宛名 a contracted 滞納管理 vendor receives (standard-spec files on a schedule
and the GraphQL API) and the payments and 滞納整理の状況 it writes back (GraphQL mutations, once per
Idempotency-Key). See docs/tax.md 「滞納管理との連携」."""
