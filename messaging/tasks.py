"""Celery tasks: thin, named. The rules are in messaging.services."""

from celery import shared_task

from messaging import services


@shared_task(name="messaging.dispatch_due", acks_late=True)
def dispatch_due() -> int:
    return len(services.dispatch_due().sent)


@shared_task(name="messaging.send_digests", acks_late=True)
def send_digests() -> int:
    return services.send_digests()


@shared_task(name="messaging.plan_daily", acks_late=True)
def plan_daily() -> int:
    return services.plan_daily()
