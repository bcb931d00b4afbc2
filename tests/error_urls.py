"""The site's URLs plus one that fails as a bug would: for the error page and reporting tests."""

from django.urls import path

from factlen.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("broken/", broken), *site_urlpatterns]
handler500 = "factlen.errors.server_error"
