# ruff: noqa: S311  (random choices of pages and data, not secrets)
"""The users of the load run (bench/load.py starts locust with this file; it is not meant to be run alone).

Four kinds of user, each signed in once (the API client has its token), then going about their pages with
a short pause between requests: visitors (today, the week, a visit of their own), coordinators (the queue,
the week board, a search, a move-in's form), managers (the dashboard and the exports) and the property
system's integration (move-ins listed, registered and read back, visits listed). Every request counts as
an error unless it answers what the page answers a user who may see it: 200 (201 for a new move-in),
never a redirect to the login page.

What each request took is written to LOAD_RESULTS as JSON when locust stops; bench/load.py reads it.
LOAD_PLAN (JSON, written by bench/load.py) holds the signed-in sessions, the token and the ids to ask for.
"""

import datetime
import itertools
import json
import os
import random
import uuid
from pathlib import Path

from locust import HttpUser, between, events, task

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))
RESULTS: list[tuple[str, float, bool]] = []
# role -> (username, cookies) of each signed-in session, handed out in turn.
SESSIONS = {role: itertools.cycle(sessions) for role, sessions in PLAN["sessions"].items()}
# A human between two clicks takes far longer; this is a busy afternoon for a much larger team.
THINK_SECONDS = (0.5, 1.5)


@events.request.add_listener
def _record(name: str, response_time: float, exception: BaseException | None, **kwargs: object) -> None:
    RESULTS.append((name, response_time, exception is None))


@events.quitting.add_listener
def _write_results(**kwargs: object) -> None:
    Path(os.environ["LOAD_RESULTS"]).write_text(json.dumps(RESULTS), encoding="utf-8")


class SignedIn(HttpUser):
    """Takes a session of its role, signed in once through the login page by bench/load.py before the clock
    starts (a password check is meant to be slow), then asks for pages that must answer 200."""

    abstract = True
    wait_time = between(*THINK_SECONDS)
    role = ""

    def on_start(self) -> None:
        self.username, cookies = next(SESSIONS[self.role])
        # Set by hand, so not Secure: the run speaks plain HTTP to gunicorn on 127.0.0.1, where a client
        # would never send back the Secure cookies that Django sets with DEBUG off.
        self.client.cookies.update(cookies)

    def page(self, url: str, name: str) -> None:
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {url}")


class Visitor(SignedIn):
    fixed_count = 18
    role = "visitor"

    def on_start(self) -> None:
        super().on_start()
        self.visit_ids = PLAN["visit_ids"][self.username]

    @task(3)
    def today(self) -> None:
        self.page("/visits/today/", "visitor: today")

    @task(2)
    def week(self) -> None:
        self.page("/visits/week/", "visitor: week")

    @task(3)
    def visit(self) -> None:
        self.page(f"/visits/{random.choice(self.visit_ids)}/", "visitor: visit")


class Coordinator(SignedIn):
    fixed_count = 12
    role = "coordinator"

    @task(3)
    def queue(self) -> None:
        self.page("/coordinator/", "coordinator: queue")

    @task(2)
    def board(self) -> None:
        self.page("/coordinator/board/", "coordinator: board")

    @task(2)
    def search(self) -> None:
        self.page(f"/coordinator/search/?q={random.choice(PLAN['search_terms'])}", "coordinator: search")

    @task(2)
    def move_in_form(self) -> None:
        self.page(f"/coordinator/move-ins/{random.choice(PLAN['move_in_ids'])}/", "coordinator: move-in form")


class Manager(SignedIn):
    fixed_count = 5
    role = "manager"

    @task(3)
    def dashboard(self) -> None:
        self.page("/dashboard/", "manager: dashboard")

    @task(1)
    def visits_csv(self) -> None:
        self.page("/exports/visits.csv", "manager: export visits.csv")

    @task(1)
    def move_ins_xlsx(self) -> None:
        self.page("/exports/move-ins.xlsx", "manager: export move-ins.xlsx")


class Integration(HttpUser):
    """The property system: a token, JSON, a new move-in now and then (the worker assigns each)."""

    fixed_count = 15
    wait_time = between(*THINK_SECONDS)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Token {PLAN['token']}"
        self.created: list[str] = []

    def expect(self, method: str, url: str, status: int, name: str, **kwargs: object):
        with self.client.request(method, url, name=name, catch_response=True, **kwargs) as response:
            if response.status_code != status:
                response.failure(f"{response.status_code} for {method} {url}: {response.text[:200]}")
            return response

    @task(2)
    def move_ins(self) -> None:
        self.expect("GET", "/api/v1/move-ins/", 200, "api: move-ins list")

    @task(1)
    def register(self) -> None:
        move_in_date = datetime.date.fromisoformat(PLAN["today"]) + datetime.timedelta(days=random.randint(5, 40))
        body = {
            "contract_number": f"{PLAN['contract_prefix']}{uuid.uuid4().hex[:12]}",
            "move_in_date": move_in_date.isoformat(),
            "street_address": "Lindövägen 12",
            "postal_code": "602 23",
            "district": "Hageby",
            "apartment_number": str(random.randint(1000, 1999)),
            "contact_name": "Inflyttning Lasttest",
            "household_size": 2,
            "languages": [random.choice(PLAN["languages"])],
        }
        response = self.expect("POST", "/api/v1/move-ins/", 201, "api: move-in POST", json=body)
        if response.status_code == 201:
            self.created.append(response.json()["url"])

    @task(2)
    def move_in(self) -> None:
        url = random.choice(self.created) if self.created else f"/api/v1/move-ins/{random.choice(PLAN['move_in_ids'])}/"
        self.expect("GET", url, 200, "api: move-in GET")

    @task(2)
    def visits(self) -> None:
        self.expect("GET", "/api/v1/visits/", 200, "api: visits list")
