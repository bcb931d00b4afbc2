"""Security headers Django does not set itself.

Content-Security-Policy comes from django-csp, with two policies: the strict
public one everywhere, and the admin's own under /admin/ (Django's admin and
its autocomplete widget set inline styles). Permissions-Policy turns off the
browser features no page of ours uses.
"""

import base64
import hashlib
import re

from csp.middleware import CSPMiddleware
from csp.utils import default_config
from django.conf import settings
from django.urls import reverse

ERROR_PAGE = settings.BASE_DIR / "templates" / "500.html"


def style_hash(html: str) -> str:
    """The CSP source for the one <style> element in `html`."""
    (style,) = re.findall(r"<style>(.*?)</style>", html, flags=re.DOTALL)
    digest = hashlib.sha256(style.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


# The 500 page stands alone (no stylesheet that could be what broke), so its
# styles are inline; the policy allows exactly those, on that page only.
ERROR_PAGE_STYLE = style_hash(ERROR_PAGE.read_text())


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        if request.path_info.startswith(reverse("admin:index")):
            parts.config = default_config(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
        elif response.status_code == 500:
            parts.update = {"style-src": [ERROR_PAGE_STYLE]}
        return parts


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allow)})"
            for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response
