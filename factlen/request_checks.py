"""Requests carrying a NUL character are refused with a 400 naming the field.

No text we store or look up may hold NUL: PostgreSQL refuses it outright (a
search for "%00" in the admin answered 500), and it means nothing in a form a
person filled in. Forms would catch it field by field; query parameters and
cookies go straight to lookups, so the check is made once, here, for every
request.
"""

from django.shortcuts import render

NUL = "\x00"


def nul_field(request) -> str | None:
    """Where the request carries a NUL character (a description), or None."""
    for where, data in (("query parameter", request.GET), ("form field", request.POST)):
        for name, values in data.lists():
            if NUL in name or any(NUL in value for value in values):
                return f"{where} “{name.replace(NUL, '␀')}”"
    for name, value in request.COOKIES.items():
        if NUL in name or NUL in value:
            return f"cookie “{name.replace(NUL, '␀')}”"
    return None


class RejectNulCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = "the address" if NUL in request.path else nul_field(request)
        if where:
            return render(request, "400.html", {"where": where}, status=400)
        return self.get_response(request)
