"""kotei's pages, mounted under /tax/ by tenants/tax/urls.py (URL names in the ``tax`` namespace)."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("kotei/parcels/", views.parcels, name="kotei_parcels"),
    path("kotei/parcels/<str:pk>/", views.parcel, name="kotei_parcel"),
    path("kotei/assessments/", views.assessments, name="kotei_assessments"),
    path("kotei/assessments/calculate/", views.calculate, name="kotei_calculate"),
    path("kotei/assessments/issue/", views.issue, name="kotei_issue"),
    path("kotei/assessments/<str:pk>/", views.assessment, name="kotei_assessment"),
    path("kotei/assessments/<str:pk>/notice.pdf", views.assessment_pdf, name="kotei_assessment_pdf"),
    path("kotei/notices/", views.notices, name="kotei_notices"),
    path("kotei/work/", views.work, name="kotei_work"),
    path("kotei/work/<str:pk>/decide/", views.work_decide, name="kotei_work_decide"),
]
