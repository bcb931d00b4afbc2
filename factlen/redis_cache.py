"""Django's Redis cache backend, without a new client object for every call.

Django's RedisCacheClient makes a `redis.Redis` per cache call; redis-py 8
builds a table of some 170 response callbacks in each one's constructor, which
cost more CPU than the round trip to Redis itself: two thirds of a page served
from the cache. A client shares its connection pool and is safe to use from
several threads, so one per pool, made on first use, does the same work.
settings.py uses this backend whenever CACHE_URL names Redis.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
