"""hojin: its tables (imported by tenants/tax/models.py)."""

__all__: list[str] = []
