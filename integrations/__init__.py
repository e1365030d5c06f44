"""Adapters to systems outside Kyodo (object storage, identity, standard-spec files, ...)."""
