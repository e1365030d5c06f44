from django.urls import path

from . import views
from .hojin import urls as hojin_urls
from .juminzei import urls as juminzei_urls
from .kotei import urls as kotei_urls

app_name = "tax"

urlpatterns = [
    path("", views.home, name="home"),
    path("work/", views.workitems, name="workitems"),
    path("work/<str:pk>/decide/", views.workitem_decide, name="workitem_decide"),
    *juminzei_urls.urlpatterns,
    *hojin_urls.urlpatterns,
    *kotei_urls.urlpatterns,
]
