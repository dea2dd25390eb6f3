"""The floor for the end-to-end benchmark: a task that only says it ran. Loaded only into the benchmark's
own worker (`celery worker -I bench.tasks`); the app never sends it."""

import functools
import time

import redis
from celery import shared_task
from django.conf import settings


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


@shared_task(name="bench.noop", ignore_result=True)
def noop(key: str) -> None:
    """Push the moment it ran onto a Redis list the benchmark waits on (BLPOP): the least a task can do
    and still be seen to have run."""
    _redis().rpush(key, repr(time.time()))
