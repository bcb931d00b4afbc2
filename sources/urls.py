from django.urls import path

from . import views

app_name = "sources"

urlpatterns = [
    path("", views.outlet_list, name="outlets"),
    path("<slug:slug>/", views.outlet_detail, name="outlet"),
]
