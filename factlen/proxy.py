"""The reader's address, as the trusted proxy in front saw it.

Behind a proxy every request comes from the proxy's address, so login
throttling and the sign-up limits (which count REMOTE_ADDR) would count every
reader as one. With TRUSTED_PROXY the proxy is ours and appends the address it
was connected from to X-Forwarded-For: the last entry is that address, whatever
a client wrote before it. Without TRUSTED_PROXY the header is ignored.
"""

from django.conf import settings


class ForwardedClientAddressMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if settings.TRUSTED_PROXY and forwarded:
            last = forwarded.split(",")[-1].strip()
            if last:
                request.META["REMOTE_ADDR"] = last
        return self.get_response(request)
