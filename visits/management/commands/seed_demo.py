"""`manage.py seed_demo`: fill an empty development database with realistic demo data (see visits/demo.py)."""

import random
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from messaging.seed_texts import approve_demo_texts
from portalen.demo import seed_referrals as seed_portalen_referrals
from tenants.models import MoveIn
from visits import dashboard_rollups, demo, demo_outcomes


class Command(BaseCommand):
    help = (
        "Fill the database with demo data: three visitors who speak nine languages, a coordinator and a manager, "
        "buildings in Norrköping, two years of move-ins and visits, and the coming three weeks planned by the "
        "matcher. Only with DEBUG on; does nothing if the demo data is already there."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the database holds any move-in at all (for `make run`).",
        )
        parser.add_argument(
            "--password",
            default=demo.DEFAULT_PASSWORD,
            help=f"Password for the demo logins it creates (default: {demo.DEFAULT_PASSWORD}).",
        )
        parser.add_argument("--years", type=float, default=2.0, help="Years of history before today (default: 2).")
        parser.add_argument(
            "--per-year", type=int, default=1500, help="Move-ins a year (default: 1500, about Hyresbostäder's)."
        )
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="Seed of the random choices.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo writes made-up tenants and logins with a known password; it runs only with DEBUG on."
            )
        if options["years"] <= 0 or options["per_year"] < 1:
            raise CommandError("--years must be above 0 and --per-year at least 1.")
        if options["if_empty"] and MoveIn.objects.exists():
            self.stdout.write("The database already holds move-ins; --if-empty leaves it alone.")
            return
        if demo.demo_data_exists():
            self.stdout.write("The demo data is already there; nothing to do.")
            return

        started = time.monotonic()
        # One transaction: a failure leaves nothing half-made.
        with transaction.atomic():
            summary = demo.seed(
                rng=random.Random(options["seed"]),
                now=timezone.now(),
                years=options["years"],
                per_year=options["per_year"],
                password=options["password"],
            )
            # The demo team stands in for the staff who check each language's message texts.
            approved_texts = approve_demo_texts()
            # Made-up disturbance cases, move-out inspections and survey answers for the impact dashboard.
            self.stdout.write(str(demo_outcomes.seed(rng=random.Random(options["seed"] + 10))))
            self.stdout.write(seed_portalen_referrals(rng=random.Random(options["seed"] + 9), now=timezone.now()))
            # The dashboard's figures, counted once for the whole made-up history (the triggers marked
            # thousands of days; a dashboard read would leave that many to the worker).
            dashboard_rollups.rebuild()
        self._report(summary, options["password"], time.monotonic() - started)
        self.stdout.write(f"  message texts approved by the demo visitors who speak them: {approved_texts}")

    def _report(self, summary: demo.Summary, password: str, seconds: float) -> None:
        write = self.stdout.write
        write(self.style.SUCCESS(f"Demo data written in {seconds:.1f} s."))
        write(f"  {summary.buildings} buildings with {summary.apartments} apartments")
        write("  move-ins: " + _counts(summary.move_ins))
        write("  visits: " + _counts(summary.visits))
        write(f"  assignment history: {summary.assignments} rows")
        write(f"  every visitor has visits on {summary.showcase_day:%A %Y-%m-%d}")
        write("Logins (username, name, role, languages):")
        for user, created, description in summary.users:
            note = "" if created else "  (existing user: password and name left as they were)"
            write(f"  {user.username:<12} {user.get_full_name():<18} {description}{note}")
        write(f'Password for the new logins: "{password}"')


def _counts(counter: dict[str, int]) -> str:
    return f"{sum(counter.values())} (" + ", ".join(f"{key} {n}" for key, n in sorted(counter.items())) + ")"
