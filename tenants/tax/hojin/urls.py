"""hojin's pages, mounted under /tax/ by tenants/tax/urls.py (URL names in the ``tax`` namespace)."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("hojin/", views.corporations, name="hojin_corporations"),
    path("hojin/new/", views.corporation_new, name="hojin_corporation_new"),
    path("hojin/<str:pk>/", views.corporation_detail, name="hojin_corporation"),
    path("hojin/<str:pk>/edit/", views.corporation_edit, name="hojin_corporation_edit"),
    path("hojin/<str:pk>/returns/new/", views.return_new, name="hojin_return_new"),
]
