"""A Redis database of their own for the Celery tests and benchmarks, on the machine's Redis: the broker's queues
are keys in it, so an empty database index keeps them apart from anything else using that Redis."""

from __future__ import annotations

import redis

REDIS = "redis://127.0.0.1:6379"


def free_redis_url() -> str:
    index = next(i for i in range(15, 0, -1) if redis.Redis.from_url(f"{REDIS}/{i}").dbsize() == 0)
    return f"{REDIS}/{index}"


def empty(url: str) -> None:
    redis.Redis.from_url(url).flushdb()
