"""/sources/: the outlets our published stories cite. Served by the stories app,
which knows which stories are live; the URL names keep the "sources" namespace."""

from django.urls import path

from . import outlet_views as views

app_name = "sources"

urlpatterns = [
    path("", views.outlet_list, name="outlets"),
    path("<slug:slug>/", views.outlet_detail, name="outlet"),
]
