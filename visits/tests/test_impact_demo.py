"""The demo's outcomes (visits.demo_outcomes): after `manage.py seed_demo` a manager finds figures on the
impact dashboard, with the effect the demo puts in, labelled as demo data and the same on every run."""

import datetime
import random
from io import StringIO

import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse

from tenants.models import DisturbanceCase, MoveIn, MoveOutInspection, SurveyAnswer
from visits import demo_outcomes
from visits.demo import DEFAULT_SEED
from visits.impact import IN_TIME, NOT_VISITED
from visits.scheduling import STOCKHOLM

NOW = datetime.datetime(2026, 3, 11, 11, 15, tzinfo=STOCKHOLM)


def fingerprint() -> tuple:
    return (
        list(DisturbanceCase.objects.order_by("case_number").values_list("case_number", "move_in_id", "reported_on")),
        list(MoveOutInspection.objects.order_by("move_in_id").values_list("move_in_id", "damage_cost")),
        list(SurveyAnswer.objects.order_by("move_in_id").values_list("move_in_id", "answered_on", "satisfaction")),
    )


@override_settings(DEBUG=True)  # the test runner turns DEBUG off; the command needs it on
@time_machine.travel(NOW, tick=False)
class TestDemoOutcomes(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.output = StringIO()
        call_command("seed_demo", stdout=cls.output)

    def test_every_kind_of_outcome_is_there_and_labelled_as_demo_data(self) -> None:
        assert "Demo outcomes:" in self.output.getvalue()
        assert DisturbanceCase.objects.count() > 100
        assert not DisturbanceCase.objects.exclude(case_number__startswith="DEMO-S-").exists()
        for model in (DisturbanceCase, MoveOutInspection, SurveyAnswer):
            assert model.objects.exists()
            assert not model.objects.exclude(move_in__contract_number__startswith="DEMO-").exists()

    def test_outcomes_fall_after_the_move_in_and_before_today(self) -> None:
        today = NOW.date()
        for case in DisturbanceCase.objects.select_related("move_in"):
            assert case.move_in.move_in_date <= case.reported_on < today
        for answer in SurveyAnswer.objects.select_related("move_in"):
            assert answer.move_in.move_in_date < answer.answered_on <= today

    def test_inspections_are_for_the_households_that_moved_out(self) -> None:
        moved_out = set(MoveIn.objects.filter(moved_out_on__isnull=False).values_list("id", flat=True))
        inspected = set(MoveOutInspection.objects.values_list("move_in_id", flat=True))
        assert moved_out == inspected
        assert MoveOutInspection.objects.filter(damage_cost=0).exists()
        assert MoveOutInspection.objects.filter(damage_cost__gt=0).exists()

    def test_about_four_in_ten_past_households_answer_the_survey(self) -> None:
        old_enough = MoveIn.objects.filter(move_in_date__lte=NOW.date() - datetime.timedelta(days=60)).count()
        assert 0.30 < SurveyAnswer.objects.count() / old_enough < 0.50

    def test_the_impact_page_shows_the_demo_effect_with_intervals(self) -> None:
        self.client.force_login(get_user_model().objects.get(username="manager"))

        response = self.client.get(reverse("dashboard:impact"))

        assert response.status_code == 200
        rows = {row.visit_class: row for row in response.context["impact"].classes}
        assert rows[IN_TIME].households > 1000 and rows[NOT_VISITED].households >= 50
        in_time, not_visited = rows[IN_TIME].disturbances, rows[NOT_VISITED].disturbances
        assert in_time.n > 500 and in_time.has_interval
        assert in_time.value < not_visited.value
        assert rows[IN_TIME].damage_share.has_interval and rows[IN_TIME].satisfaction.has_interval
        assert "(95 % " in response.content.decode()

    def test_the_same_seed_gives_the_same_outcomes(self) -> None:
        first = fingerprint()
        DisturbanceCase.objects.all().delete()
        MoveOutInspection.objects.all().delete()
        SurveyAnswer.objects.all().delete()
        MoveIn.objects.update(moved_out_on=None)

        demo_outcomes.seed(rng=random.Random(DEFAULT_SEED + 10))  # as seed_demo calls it

        assert fingerprint() == first
