"""/authors/: the people and desks our bylines name. Served by the stories app,
which knows which stories are live."""

from django.urls import path

from . import author_views as views

app_name = "authors"

urlpatterns = [
    path("<slug:slug>/", views.author_detail, name="author"),
]
