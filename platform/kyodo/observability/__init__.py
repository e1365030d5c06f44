"""What an operator sees of a running consortium: structured logs that say which request, town and caller
each line belongs to — and never whose personal data was involved (docs/operations.md, "Logs")."""
