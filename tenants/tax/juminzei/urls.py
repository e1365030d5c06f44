"""juminzei's pages, mounted under /tax/ by tenants/tax/urls.py (URL names in the ``tax`` namespace)."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("juminzei/", views.taxpayers, name="juminzei_taxpayers"),
    path("juminzei/year/", views.year, name="juminzei_year"),
    path("juminzei/year/link/", views.year_link, name="juminzei_year_link"),
    path("juminzei/year/calculate/", views.year_calculate, name="juminzei_year_calculate"),
    path("juminzei/year/issue/", views.year_issue, name="juminzei_year_issue"),
    path("juminzei/incomes/", views.incomes, name="juminzei_incomes"),
    path("juminzei/taxpayers/<str:pk>/", views.taxpayer, name="juminzei_taxpayer"),
    path("juminzei/taxpayers/<str:pk>/recalculate/", views.taxpayer_recalculate, name="juminzei_recalculate"),
    path("juminzei/notices/<str:pk>.pdf", views.notice_pdf, name="juminzei_notice_pdf"),
]
