"""The Redis cache backend keeps one client per process and behaves as Django's does."""

import os
import subprocess
import sys

from django.conf import settings

from factlen.redis_cache import RedisCache


def test_a_redis_cache_url_selects_the_backend_that_reuses_its_client():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CACHES['default']['BACKEND'])",
        ],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env={
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_SETTINGS_MODULE": "factlen.settings",
            "DEBUG": "true",
            "DATABASE_URL": "sqlite://:memory:",
            "CACHE_URL": "redis://127.0.0.1:6379/0",
        },
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "factlen.redis_cache.RedisCache"


def test_every_call_uses_the_same_client_and_values_round_trip(redis_cache_settings):
    cache = RedisCache(redis_cache_settings["LOCATION"], {"KEY_PREFIX": "t"})
    cache.set("page", {"body": b"\x1f\x8b"}, 30)
    cache.set("count", 3, 30)
    assert cache.get("page") == {"body": b"\x1f\x8b"}
    assert cache.get_many(["page", "count", "missing"]) == {
        "page": {"body": b"\x1f\x8b"},
        "count": 3,
    }
    assert cache.incr("count") == 4
    cache.delete("page")
    assert cache.get("page") is None
    client = cache._cache
    assert client.get_client() is client.get_client(write=True)
    assert len(client._clients) == 1
