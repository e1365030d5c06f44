"""Per-town records every town application shares: personal-data audit chains and the outbox."""
