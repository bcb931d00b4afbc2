"""The site's URLs with one trivial view in front: the benchmark's ceiling.

The ceiling goes through the same gunicorn, WSGI handler and middleware as
every page, and does nothing else; a page's rps over the ceiling's, measured
side by side, is what the page costs on this machine, whatever else runs.
"""

from django.http import HttpResponse
from django.urls import path

from factlen.urls import urlpatterns as site

CEILING_PATH = "/bench-ceiling/"


def ceiling(request):
    return HttpResponse("ok\n", content_type="text/plain")


urlpatterns = [path(CEILING_PATH.strip("/") + "/", ceiling), *site]
