from django.urls import path

from . import views
from .cards import views as card_views

app_name = "nhi"

urlpatterns = [
    path("", views.workitems, name="workitems"),
    path("work/<str:pk>/confirm/", views.workitem_confirm, name="workitem_confirm"),
    path("work/<str:pk>/dismiss/", views.workitem_dismiss, name="workitem_dismiss"),
    path("households/<str:pk>/", views.household_detail, name="household_detail"),
    path("households/<str:pk>/confirm/", views.household_confirm, name="household_confirm"),
    path("persons/<str:pk>/", views.person_detail, name="person_detail"),
    path("persons/<str:pk>/acquire/", views.acquire, name="acquire"),
    path("persons/<str:pk>/lose/", views.lose, name="lose"),
    path("persons/<str:pk>/card/", card_views.issue, name="card_issue"),
    path("cards/<str:pk>/reissue/", card_views.reissue, name="card_reissue"),
    path("cards/<str:pk>/return/", card_views.card_return, name="card_return"),
    path("cards/<str:pk>/pdf/", card_views.download, name="card_pdf"),
]

from . import levy_views  # noqa: E402  (賦課)

urlpatterns += [
    path("levy/", levy_views.levy_home, name="levy_home"),
    path("levy/bulk/", levy_views.levy_bulk, name="levy_bulk"),
    path("levy/households/<str:pk>/", levy_views.levy_household, name="levy_household"),
    path("levy/households/<str:pk>/recalculate/", levy_views.levy_household_recalculate,
         name="levy_household_recalculate"),
    path("levy/tables/", levy_views.levy_tables, name="levy_tables"),
    path("levy/tables/<str:pk>/decide/", levy_views.levy_table_decide, name="levy_table_decide"),
    path("levy/tables/<str:pk>/carry/", levy_views.levy_table_carry, name="levy_table_carry"),
    path("levy/incomes/", levy_views.levy_incomes, name="levy_incomes"),
]
