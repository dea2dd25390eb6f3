"""rank_visitors is pure: its rules are checked over many generated teams and households."""

import itertools
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from visits.matching import WORKING_LEVEL, Candidate, Ranked, Ranking, rank_visitors

CODES = ["ar", "so", "ti", "prs", "sv", "en"]
BASIC, WORKING, FLUENT, NATIVE = 1, 2, 3, 4


def candidate(visitor_id: int, languages: dict[str, int], *, load: int = 0, weekly_capacity: int = 10) -> Candidate:
    return Candidate(
        visitor_id=visitor_id,
        name=f"Visitor {visitor_id}",
        languages=languages,
        weekly_capacity=weekly_capacity,
        load=load,
    )


candidates = st.builds(
    Candidate,
    visitor_id=st.integers(min_value=1, max_value=10_000),
    name=st.text(max_size=10),
    languages=st.dictionaries(st.sampled_from(CODES), st.integers(min_value=BASIC, max_value=NATIVE), max_size=4),
    weekly_capacity=st.integers(min_value=1, max_value=60),
    load=st.integers(min_value=0, max_value=80),
)
teams = st.lists(candidates, max_size=10, unique_by=lambda c: c.visitor_id)
households = st.lists(st.sampled_from(CODES), max_size=4, unique=True)


def order(ranking: Ranking) -> list[Ranked]:
    """The order in which the service tries visitors."""
    return [*ranking.speakers, *ranking.others]


def can_carry(c: Candidate, code: str) -> bool:
    return c.languages.get(code, 0) >= WORKING_LEVEL


def ratio(r: Ranked) -> Fraction:
    return Fraction(r.candidate.load, r.candidate.weekly_capacity)


@given(teams, households)
def test_it_never_ranks_a_non_speaker_above_a_speaker(team, household):
    ranked = order(rank_visitors(team, household))

    speaks = [any(can_carry(r.candidate, code) for code in household) for r in ranked]
    # All the True ones (speakers) come before all the False ones.
    assert speaks == sorted(speaks, reverse=True)


@given(teams, households)
def test_it_ranks_every_candidate_exactly_once(team, household):
    ranked = order(rank_visitors(team, household))

    assert sorted(r.candidate.visitor_id for r in ranked) == sorted(c.visitor_id for c in team)


@given(teams, households)
def test_it_serves_each_speaker_in_the_best_language_they_can_carry(team, household):
    ranking = rank_visitors(team, household)

    for r in ranking.speakers:
        best = next(code for code in household if can_carry(r.candidate, code))
        assert (r.language, r.preference) == (best, household.index(best) + 1)
    for r in ranking.others:
        assert (r.language, r.preference) == (None, len(household) + 1)


@given(teams, households)
def test_it_puts_the_preferred_language_before_the_second_and_lower_load_first_among_equals(team, household):
    ranking = rank_visitors(team, household)

    for group in (ranking.speakers, ranking.others):
        for before, after in itertools.pairwise(group):
            key_before = (before.preference, ratio(before), before.candidate.visitor_id)
            key_after = (after.preference, ratio(after), after.candidate.visitor_id)
            assert key_before < key_after


@given(teams, households, st.randoms(use_true_random=False))
def test_it_gives_the_same_order_whatever_order_the_team_comes_in(team, household, random):
    shuffled = list(team)
    random.shuffle(shuffled)

    assert order(rank_visitors(shuffled, household)) == order(rank_visitors(team, household))


def test_it_prefers_the_first_language_even_when_a_speaker_of_the_second_is_less_loaded():
    somali_busy = candidate(1, {"so": NATIVE}, load=9)
    arabic_free = candidate(2, {"ar": NATIVE}, load=0)

    ranking = rank_visitors([arabic_free, somali_busy], ["so", "ar"])

    assert [(r.candidate.visitor_id, r.language, r.preference) for r in ranking.speakers] == [
        (1, "so", 1),
        (2, "ar", 2),
    ]


def test_it_compares_load_relative_to_capacity():
    # 3 of 10 is lighter than 2 of 4, although 3 visits are more than 2.
    part_time = candidate(1, {"ar": FLUENT}, load=2, weekly_capacity=4)
    full_time = candidate(2, {"ar": FLUENT}, load=3, weekly_capacity=10)

    ranking = rank_visitors([part_time, full_time], ["ar"])

    assert [r.candidate.visitor_id for r in ranking.speakers] == [2, 1]


def test_it_does_not_count_a_basic_command_as_speaking_the_language():
    basic = candidate(1, {"ar": BASIC})
    working = candidate(2, {"ar": WORKING}, load=50)

    ranking = rank_visitors([basic, working], ["ar"])

    assert [r.candidate.visitor_id for r in ranking.speakers] == [2]
    assert [(r.candidate.visitor_id, r.language) for r in ranking.others] == [(1, None)]


def test_it_ranks_everyone_as_needing_an_interpreter_for_a_household_without_languages():
    ranking = rank_visitors([candidate(2, {"ar": NATIVE}, load=1), candidate(1, {"so": NATIVE}, load=1)], [])

    assert ranking.speakers == []
    assert [(r.candidate.visitor_id, r.preference) for r in ranking.others] == [(1, 1), (2, 1)]
