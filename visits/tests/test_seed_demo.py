"""`manage.py seed_demo`: the demo data a newcomer sees after `make run`."""

import datetime
import itertools
from collections import Counter, defaultdict
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory, TestCase, override_settings

from tenants.models import Household, MoveIn
from visits import roles
from visits.demo import DEFAULT_PASSWORD
from visits.models import Assignment, Visit, Visitor
from visits.scheduling import STOCKHOLM, swedish_public_holidays, week_start

# A Wednesday in term time, late morning: some of today's visits are done, the rest lie ahead.
NOW = datetime.datetime(2026, 3, 11, 11, 15, tzinfo=STOCKHOLM)


def seed_demo(*args: str, **options: object) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, **options)
    return out.getvalue()


@override_settings(DEBUG=True)  # the test runner turns DEBUG off; the command needs it on
@time_machine.travel(NOW, tick=False)
class TestSeedDemo(TestCase):
    """The real default (two years, about 1,500 move-ins a year), built once for the class: a few seconds."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.output = seed_demo()
        cls.visits = list(Visit.objects.select_related("visitor"))
        cls.today = NOW.date()

    def test_it_creates_the_logins_in_their_groups(self) -> None:
        users = {u.username: u for u in get_user_model().objects.prefetch_related("groups")}
        expected = {
            "visitor1": roles.VISITOR,
            "visitor2": roles.VISITOR,
            "visitor3": roles.VISITOR,
            "coordinator": roles.COORDINATOR,
            "manager": roles.MANAGER,
        }
        for username, role in expected.items():
            assert [g.name for g in users[username].groups.all()] == [role]
            assert users[username].get_full_name()
        assert users["coordinator"].is_staff and users["manager"].is_staff
        assert not users["visitor1"].is_staff
        # django-axes checks every login against its lockout and needs the request for the address.
        assert self.client.login(
            request=RequestFactory().post("/login/"), username="coordinator", password=DEFAULT_PASSWORD
        )
        assert DEFAULT_PASSWORD in self.output and "visitor1" in self.output

    def test_the_visitors_speak_nine_languages_together(self) -> None:
        visitors = Visitor.objects.prefetch_related("language_skills")
        spoken = {skill.language_id for visitor in visitors for skill in visitor.language_skills.all()}
        assert len(visitors) == 3
        assert spoken == {"sv", "en", "ar", "ckb", "so", "ti", "am", "prs", "fa"}

    def test_every_visitor_has_visits_today_some_done_some_ahead(self) -> None:
        today = [v for v in self.visits if v.starts_at.astimezone(STOCKHOLM).date() == self.today]
        by_visitor = defaultdict(list)
        for visit in today:
            by_visitor[visit.visitor_id].append(visit)
        assert len(by_visitor) == 3
        for visits in by_visitor.values():
            starts = {v.starts_at.astimezone(STOCKHOLM).time() for v in visits if v.status != Visit.Status.CANCELLED}
            assert {datetime.time(9, 0), datetime.time(10, 30), datetime.time(13, 0)} <= starts
        statuses = Counter(v.status for v in today)
        assert statuses[Visit.Status.COMPLETED] + statuses[Visit.Status.NO_SHOW] >= 3  # 09:00 is over
        assert statuses[Visit.Status.PLANNED] + statuses[Visit.Status.CONFIRMED] >= 3  # 13:00 is ahead

    def test_every_visitor_is_busy_the_rest_of_the_week(self) -> None:
        week_end = week_start(self.today) + datetime.timedelta(days=5)
        ahead = Counter(
            v.visitor_id for v in self.visits if self.today < v.starts_at.astimezone(STOCKHOLM).date() < week_end
        )
        assert len(ahead) == 3

    def test_every_status_occurs_and_the_past_is_mostly_completed(self) -> None:
        statuses = Counter(v.status for v in self.visits)
        assert set(statuses) == set(Visit.Status.values)
        past = Counter(v.status for v in self.visits if v.ends_at < NOW)
        assert past[Visit.Status.COMPLETED] > 0.8 * sum(past.values())
        assert not past[Visit.Status.PLANNED]
        assert all(v.status in Visit.OPEN_STATUSES for v in self.visits if v.starts_at > NOW)

    def test_about_1500_move_ins_a_year_up_to_three_weeks_ahead(self) -> None:
        dates = list(MoveIn.objects.values_list("move_in_date", flat=True))
        assert 2800 < len(dates) < 3400
        assert max(dates) <= self.today + datetime.timedelta(days=21)
        assert max(dates) > self.today

    def test_no_visit_breaks_the_calendar_rules(self) -> None:
        holidays = swedish_public_holidays(range(2023, 2028))
        for visit in self.visits:
            starts, ends = visit.starts_at.astimezone(STOCKHOLM), visit.ends_at.astimezone(STOCKHOLM)
            assert starts.weekday() < 5 and starts.date() not in holidays, visit
            assert datetime.time(9) <= starts.time() and ends.time() <= datetime.time(16) and ends > starts, visit

    def test_no_visitor_is_over_capacity_or_double_booked(self) -> None:
        # As the matcher counts: cancelled visits free their time.
        capacity = dict(Visitor.objects.values_list("id", "weekly_capacity"))
        load: Counter[tuple[int, datetime.date]] = Counter()
        busy = defaultdict(list)
        for visit in self.visits:
            if visit.status == Visit.Status.CANCELLED:
                continue
            load[(visit.visitor_id, week_start(visit.starts_at.astimezone(STOCKHOLM).date()))] += 1
            busy[visit.visitor_id].append((visit.starts_at, visit.ends_at))
        assert all(n <= capacity[visitor_id] for (visitor_id, _week), n in load.items())
        for intervals in busy.values():
            intervals.sort()
            assert all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(intervals))

    def test_at_most_one_open_visit_per_move_in(self) -> None:
        open_visits = Counter(v.move_in_id for v in self.visits if v.status in Visit.OPEN_STATUSES)
        assert open_visits and max(open_visits.values()) == 1

    def test_every_visit_has_an_assignment_with_a_reason(self) -> None:
        explained = set(Assignment.objects.exclude(reason="").values_list("visit_id", flat=True))
        assert {v.id for v in self.visits} <= explained
        kinds = set(Assignment.objects.values_list("kind", flat=True))
        assert kinds == set(Assignment.Kind.values)

    def test_some_move_ins_need_a_coordinator_with_a_note(self) -> None:
        waiting = MoveIn.objects.filter(assignment_state=MoveIn.AssignmentState.NEEDS_COORDINATOR)
        assert waiting.count() >= 4
        assert not waiting.filter(assignment_note="").exists()
        assert not MoveIn.objects.filter(assignment_state=MoveIn.AssignmentState.AWAITING).exists()

    def test_interpreters_are_needed_and_some_booked(self) -> None:
        interpreted = [v for v in self.visits if v.interpreter_needed]
        assert interpreted and all(v.interpreter_language_id for v in interpreted)
        assert any(v.interpreter_type for v in interpreted)
        assert any(v.interpreter_type for v in interpreted if v.starts_at > NOW)

    def test_households_speak_a_realistic_mix(self) -> None:
        first = Counter(
            Household.objects.filter(language_preferences__rank=1).values_list(
                "language_preferences__language", flat=True
            )
        )
        assert first.most_common(2)[0][0] == "sv" and first.most_common(2)[1][0] == "ar"
        assert {"kmr", "ps", "tr", "uk", "pl", "bs", "th", "ru"} <= set(first)
        assert Household.objects.filter(protected_identity=True).exists()
        assert Household.objects.filter(wants_interpreter=True).exists()

    def test_running_it_again_changes_nothing(self) -> None:
        def counts() -> list[int]:
            return [model.objects.count() for model in (MoveIn, Household, Visit, Assignment, Visitor)]

        before = counts()
        assert "nothing to do" in seed_demo()
        assert "leaves it alone" in seed_demo("--if-empty")
        assert counts() == before
        assert get_user_model().objects.count() == 5


@time_machine.travel(NOW, tick=False)
def test_if_empty_seeds_an_empty_database(db, settings) -> None:
    settings.DEBUG = True
    output = seed_demo("--if-empty", "--years", "0.2", "--per-year", "300", "--password", "another-password")
    assert "written" in output
    assert MoveIn.objects.filter(contract_number__startswith="DEMO-").count() > 50
    assert get_user_model().objects.get(username="visitor2").check_password("another-password")


def test_it_refuses_with_debug_off(db, settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        seed_demo()
    assert not MoveIn.objects.exists()
