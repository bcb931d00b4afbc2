"""Times as machines read them: in `<time datetime>`, feeds, sitemaps and JSON-LD."""

import datetime

from django.utils import timezone


def machine_time(value: datetime.date | None) -> str:
    """ISO 8601 in the newsroom's zone, to the whole second (`2026-11-27T19:36:16+00:00`).

    Stored times carry microseconds (`auto_now`); no reader or crawler needs
    them, and `<time datetime>` values with them are needlessly odd.
    """
    if value is None:
        return ""
    if not isinstance(value, datetime.datetime):
        return value.isoformat()
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(microsecond=0).isoformat()


def zone_name() -> str:
    """The newsroom's zone as editors know it: `Europe/London`."""
    return timezone.get_default_timezone_name()


def in_zone(label: str) -> str:
    """A time field's label that says which zone its times are in."""
    return f"{label} ({zone_name()} time)"


def whole_seconds(value: datetime.datetime | None) -> datetime.datetime | None:
    return value.replace(microsecond=0) if value is not None else None
