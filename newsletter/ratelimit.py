"""Fixed-window counters in Django's cache.

With the default local-memory cache each server process counts on its own; a
shared cache backend (CACHES) makes the limits hold across processes.
"""

from django.core.cache import cache


def allow(key: str, *, limit: int, window: int) -> bool:
    """Count one attempt under `key`; False once it exceeds `limit` in `window` seconds."""
    key = f"ratelimit:{key}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        # The window closed between add() and incr(): this attempt opens a new one.
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit
