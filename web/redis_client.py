"""Redis clients for the short calls made while a person waits (presence, rate limits).

A gevent process runs thousands of greenlets, and redis-py's defaults suit neither a busy
process nor a restarting Redis: its pool of 100 ran dry ("Too many connections") when Redis
restarted under 2,000 students in the soak, and its default retries back off for seconds while
the greenlet keeps what it holds, a database connection among them (the pool of those ran dry
next, and chat sends failed). Here: a pool of 1,000 like the Socket.IO queue's, 2-second
timeouts and one immediate retry (a fresh connection); after that the caller hears of the
outage and carries on without Redis.
"""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

POOL_SIZE = 1000  # connections per process, for these clients and the Socket.IO queue


def connect(url: str, *, decode_responses: bool = False) -> redis.Redis:
    client: redis.Redis = redis.Redis.from_url(
        url,
        decode_responses=decode_responses,
        max_connections=POOL_SIZE,
        socket_timeout=2,
        socket_connect_timeout=2,
        retry=Retry(NoBackoff(), 1),
    )
    return client
