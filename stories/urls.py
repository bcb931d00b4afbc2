from django.urls import path

from . import views

app_name = "stories"

urlpatterns = [
    path("", views.home, name="home"),
    path("corrections/", views.corrections, name="corrections"),
    path("preview/<int:pk>/", views.preview, name="preview"),
    path("preview/shared/<str:token>/", views.shared_preview, name="shared-preview"),
    path("<slug:topic>/", views.topic_detail, name="topic"),
    path("<slug:topic>/timeline/", views.topic_timeline, name="topic-timeline"),
    path("<slug:topic>/<slug:slug>/", views.story_detail, name="story"),
]
