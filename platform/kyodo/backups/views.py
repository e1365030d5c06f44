"""Console page /console/backups/: status, size, duration and last drill per town, failures as alerts."""

from __future__ import annotations

from django.shortcuts import render

from kyodo.console.views import prefecture_admin_required

from . import selectors


@prefecture_admin_required
def backup_status(request):
    rows = selectors.backup_status_by_town()
    return render(request, "backups/console_backups.html",
                  {"rows": rows, "alert_count": sum(1 for r in rows if r.alerts)})
