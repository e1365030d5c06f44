"""Per-town (tenant-schema) apps: every table here exists once in each town's schema."""
