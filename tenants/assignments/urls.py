from django.urls import path

from . import views

app_name = "assignments"

urlpatterns = [
    path("", views.home, name="home"),
    path("plan/", views.plan_make, name="plan_make"),
    path("offices/<str:code>/", views.office, name="office"),
    path("offices/<str:code>/block/", views.block, name="block"),
    path("tasks/<str:pk>/move/", views.move, name="move"),
    path("tasks/<str:pk>/finish/", views.finish, name="finish"),
    path("tasks/<str:pk>/prefill/", views.prefill, name="prefill"),
    path("intake/", views.intake_upload, name="intake"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("attachments/<str:pk>/", views.attachment, name="attachment"),
]
