"""kotei's pages, mounted under /tax/ by tenants/tax/urls.py (URL names in the ``tax`` namespace)."""

from __future__ import annotations

urlpatterns: list = []
