from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "newsletter"

urlpatterns = [
    # The newsletter's address as readers guess it: its sign-up page.
    path("", RedirectView.as_view(pattern_name="newsletter:subscribe"), name="index"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("follow/", views.follow, name="follow"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
