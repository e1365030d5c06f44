from django.urls import path

from integrations.standard_spec import console_views as import_views
from kyodo.backups import views as backup_views
from kyodo.identity.views import staff_manage

from . import views

app_name = "console"
urlpatterns = [
    path("", views.municipality_list, name="municipality_list"),
    path("towns/new/", views.municipality_create, name="municipality_create"),
    path("towns/<str:code>/suspend/", views.municipality_suspend, name="municipality_suspend"),
    path("towns/<str:code>/resume/", views.municipality_resume, name="municipality_resume"),
    path("staff/", staff_manage, name="staff"),
    path("backups/", backup_views.backup_status, name="backup_status"),
    path("events/", views.event_status, name="event_status"),
    path("audit/", views.audit_log, name="audit_log"),
    path("imports/", import_views.import_list, name="import_list"),
    path("imports/new/", import_views.import_new, name="import_new"),
    path("imports/<str:run_id>/", import_views.import_run_detail, name="import_run"),
    path("imports/<str:run_id>/report.csv", import_views.import_report_csv, name="import_report_csv"),
    path("audit/export.csv", views.audit_log_csv, name="audit_log_csv"),
]
