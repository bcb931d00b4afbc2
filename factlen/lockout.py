"""The page a locked-out log-in gets (django-axes calls `locked_out`)."""

from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q
from django.shortcuts import render


def locked_out(request, original_response=None, credentials=None):
    """Why the log-in is refused, until when, and who can lift it sooner."""
    cool_off = get_cool_off(request)
    username = get_client_username(request, credentials)
    failures = AccessAttempt.objects.filter(
        Q(username=username) | Q(ip_address=get_client_ip_address(request))
    )
    # Once the newest failure is a cool-off old, none counts any more: the
    # lock may lift sooner, never later.
    last_failure = failures.aggregate(last=Max("attempt_time"))["last"]
    context = {
        "site_header": "Factlen newsroom",
        "site_title": "Factlen newsroom",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(cool_off.total_seconds() // 60),
        "retry_at": last_failure + cool_off if last_failure else None,
    }
    return render(request, "admin/locked_out.html", context, status=429)
