from django.urls import path

from . import views

app_name = "residents"

urlpatterns = [
    path("", views.search, name="search"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/changes/<str:kind>/", views.change_for_person, name="change_for_person"),
    path("persons/<int:pk>/certificate/", views.certificate_new, name="certificate_new"),
    path("persons/<int:pk>/correct/", views.correct, name="correct"),
    path("persons/<int:pk>/clerical-correction/", views.clerical_correction, name="clerical_correction"),
    path("persons/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/changes/<str:kind>/", views.household_change, name="household_change"),
    path("changes/", views.approval_queue, name="approval_queue"),
    path("changes/new/move-in/", views.move_in, name="move_in"),
    path("changes/new/move-in/returning/", views.returning_find, name="returning_find"),
    path("changes/new/re-move-in/<int:pk>/", views.re_move_in, name="re_move_in"),
    path("changes/new/special-move-in/", views.special_move_in, name="special_move_in"),
    path("changes/<int:pk>/", views.change_detail, name="change_detail"),
    path("changes/<int:pk>/decide/", views.change_decide, name="change_decide"),
    path("certificates/", views.issuance_list, name="issuance_list"),
    path("certificates/overflow/", views.overflow_list, name="overflow_list"),
    path("certificates/<int:pk>/destroy/", views.issuance_destroy, name="issuance_destroy"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("measures/", views.measures, name="measures"),
    path("measures/<int:pk>/action/", views.measure_action, name="measure_action"),
    path("measures/requests/<int:pk>/decide/", views.measure_decide, name="measure_decide"),
    path("persons/<int:pk>/lift/", views.lift_request, name="lift_request"),
    path("lifts/<int:pk>/decide/", views.lift_decide, name="lift_decide"),
    path("persons/<int:pk>/suppressions/", views.suppression_set, name="suppression_set"),
    path("suppressions/<int:pk>/end/", views.suppression_end, name="suppression_end"),
    path("alerts/acknowledge/", views.acknowledge_alert, name="acknowledge_alert"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/decide/", views.inspection_decide, name="inspection_decide"),
    path("inspections/<int:pk>/extract.pdf", views.inspection_pdf, name="inspection_pdf"),
    path("inspections/<int:pk>/extract.csv", views.inspection_csv, name="inspection_csv"),
    path("alerts/", views.alerts, name="alerts"),
    path("audit/", views.audit_log, name="audit_log"),
]
