"""The batch solver is pure: hand-made teams show each rule, generated ones check what must always hold,
and the greedy one-by-one baseline is what it must never do worse than."""

import datetime
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from visits.batch import BatchMoveIn, BatchVisitor, Placement, best_language, greedy, has_speaker_with_time, solve

W1 = datetime.date(2027, 3, 1)
W2 = datetime.date(2027, 3, 8)
W3 = datetime.date(2027, 3, 15)
W4 = datetime.date(2027, 3, 22)
WEEKS = [W1, W2, W3, W4]
BASIC, WORKING, FLUENT, NATIVE = 1, 2, 3, 4


def visitor(visitor_id: int, languages: dict[str, int], free: dict[datetime.date, int], capacity: int = 10):
    return BatchVisitor(visitor_id=visitor_id, languages=languages, weekly_capacity=capacity, free=free)


def move_in(move_in_id: int, *languages: str, weeks: Sequence[datetime.date] = (W1,)) -> BatchMoveIn:
    return BatchMoveIn(move_in_id=move_in_id, languages=languages, weeks=tuple(weeks))


def by_move_in(placements: list[Placement]) -> dict[int, Placement]:
    return {p.move_in_id: p for p in placements}


def new_visits(placements: list[Placement]) -> Counter[tuple[int, datetime.date]]:
    return Counter((p.visitor_id, p.week) for p in placements)


def week_load(v: BatchVisitor, week: datetime.date, placements: list[Placement]) -> int:
    """Visits planned before the batch plus those the batch adds."""
    return v.weekly_capacity - v.free.get(week, 0) + new_visits(placements)[(v.visitor_id, week)]


def with_speaker(move_ins: Sequence[BatchMoveIn], placements: list[Placement]) -> int:
    languages = {m.move_in_id: m.languages for m in move_ins}
    return sum(p.language is not None or not languages[p.move_in_id] for p in placements)


# --- Hand-made cases -------------------------------------------------------------------------------------


def test_it_keeps_the_only_tigrinya_speaker_for_tigrinya_households():
    # Amanuel speaks Tigrinya and Arabic, Rania only Arabic; both have room for two visits.
    amanuel = visitor(1, {"ti": NATIVE, "ar": FLUENT}, {W1: 2})
    rania = visitor(2, {"ar": NATIVE}, {W1: 2})
    households = [move_in(1, "ar"), move_in(2, "ar"), move_in(3, "ti"), move_in(4, "ti")]

    placed = by_move_in(solve(households, [amanuel, rania]))

    assert {m: (p.visitor_id, p.language) for m, p in placed.items()} == {
        1: (2, "ar"),
        2: (2, "ar"),
        3: (1, "ti"),
        4: (1, "ti"),
    }
    # One by one, the first Arabic household took Amanuel (equally loaded, lower id) and a Tigrinya
    # household was left for the coordinator.
    assert len(greedy(households, [amanuel, rania])) == 3


def test_a_slightly_busier_generalist_takes_the_common_language_while_rare_demand_waits():
    amanuel = visitor(1, {"ti": NATIVE, "ar": FLUENT}, {W1: 5, W2: 5}, capacity=5)
    rania = visitor(2, {"ar": NATIVE}, {W1: 5, W2: 4}, capacity=5)  # one visit planned in week 2
    # Five Tigrinya households fill Amanuel's week 1; the Arabic one could be visited by either in week 2.
    households = [move_in(1, "ar", weeks=[W2]), *(move_in(i, "ti", weeks=[W1]) for i in range(2, 7))]

    placed = by_move_in(solve(households, [amanuel, rania]))

    assert placed[1].visitor_id == rania.visitor_id
    assert {placed[i].visitor_id for i in range(2, 7)} == {amanuel.visitor_id}


def test_the_households_preferred_language_wins_over_a_lighter_load():
    somali_speaker = visitor(1, {"so": FLUENT}, {W1: 1}, capacity=10)  # nine visits planned already
    arabic_speaker = visitor(2, {"ar": NATIVE}, {W1: 10}, capacity=10)  # nothing planned

    [placement] = solve([move_in(1, "so", "ar")], [somali_speaker, arabic_speaker])

    assert (placement.visitor_id, placement.language, placement.preference) == (1, "so", 1)


def test_it_uses_the_second_language_when_the_first_has_no_room():
    somali_speaker = visitor(1, {"so": FLUENT}, {W2: 3})  # absent in week 1
    arabic_speaker = visitor(2, {"ar": NATIVE}, {W1: 3})

    [placement] = solve([move_in(1, "so", "ar", weeks=[W1])], [somali_speaker, arabic_speaker])

    assert (placement.visitor_id, placement.language, placement.preference) == (2, "ar", 2)


def test_a_basic_command_of_a_language_does_not_carry_a_visit():
    beginner = visitor(1, {"so": BASIC, "sv": NATIVE}, {W1: 3})
    speaker = visitor(2, {"so": WORKING}, {W1: 3})

    [placement] = solve([move_in(1, "so")], [beginner, speaker])

    assert (placement.visitor_id, placement.language) == (2, "so")


def test_it_never_exceeds_a_visitors_free_capacity_in_a_week():
    only = visitor(1, {"ar": NATIVE}, {W1: 2, W2: 1}, capacity=3)
    households = [move_in(i, "ar", weeks=[W1, W2]) for i in range(1, 6)]

    placements = solve(households, [only])

    assert new_visits(placements) == {(1, W1): 2, (1, W2): 1}
    assert len(placements) == 3


def test_it_sends_the_least_loaded_visitor_with_an_interpreter_when_nobody_speaks_the_language():
    busy = visitor(1, {"ar": NATIVE}, {W1: 2}, capacity=10)
    idle = visitor(2, {"so": NATIVE}, {W1: 10}, capacity=10)

    [placement] = solve([move_in(1, "prs", "fa")], [busy, idle])

    assert (placement.visitor_id, placement.language, placement.preference) == (2, None, 3)


def test_it_leaves_a_household_to_the_coordinator_rather_than_send_an_interpreter_when_its_speakers_are_full():
    arabic_speaker = visitor(1, {"ar": NATIVE}, {W1: 1})
    somali_speaker = visitor(2, {"so": NATIVE}, {W1: 5})

    placements = solve([move_in(1, "ar"), move_in(2, "ar")], [arabic_speaker, somali_speaker])

    assert [(p.move_in_id, p.visitor_id, p.language) for p in placements] in ([(1, 1, "ar")], [(2, 1, "ar")])


def test_a_household_that_named_no_language_goes_to_anyone_without_an_interpreter():
    [placement] = solve([move_in(1)], [visitor(1, {"ar": NATIVE}, {W1: 1})])

    assert (placement.visitor_id, placement.language, placement.preference) == (1, None, 1)


def test_move_ins_that_fit_nowhere_are_absent_from_the_result():
    team = [visitor(1, {"ar": NATIVE}, {W1: 1}), visitor(2, {"so": NATIVE}, {W2: 1})]
    households = [move_in(1, "ar", weeks=[W3]), move_in(2, "ar"), move_in(3, "ar")]

    placements = solve(households, team)

    assert len(placements) == 1
    assert placements[0].move_in_id in (2, 3)
    assert solve(households, []) == []
    assert solve([], team) == []


def test_identical_move_ins_each_get_their_own_placement():
    team = [visitor(1, {"ar": NATIVE}, {W1: 3}), visitor(2, {"ar": NATIVE}, {W1: 3})]
    households = [move_in(i, "ar") for i in range(1, 6)]

    placements = solve(households, team)

    assert sorted(p.move_in_id for p in placements) == [1, 2, 3, 4, 5]
    assert sorted(new_visits(placements).values()) == [2, 3]


def test_it_levels_the_load_over_visitors_and_weeks_where_one_by_one_piles_into_the_first_week():
    # A skewed team: one visitor already half full, households that may be visited in any of three weeks.
    team = [
        visitor(1, {"ar": NATIVE}, {W1: 5, W2: 10, W3: 10}, capacity=10),
        visitor(2, {"ar": NATIVE, "so": FLUENT}, {W1: 4, W2: 4, W3: 4}, capacity=4),
        visitor(3, {"ar": WORKING}, {W1: 8, W2: 8, W3: 8}, capacity=8),
    ]
    households = [move_in(i, "ar", weeks=[W1, W2, W3]) for i in range(1, 31)]

    def max_load_ratio(placements: list[Placement]) -> Fraction:
        return max(Fraction(week_load(v, w, placements), v.weekly_capacity) for v in team for w in (W1, W2, W3))

    solved, one_by_one = solve(households, team), greedy(households, team)

    assert len(solved) == len(one_by_one) == 30
    assert max_load_ratio(solved) <= max_load_ratio(one_by_one)
    assert max_load_ratio(solved) < 1  # nobody's week is filled while others have room


def test_visitors_with_the_same_languages_and_capacity_end_each_week_at_most_one_visit_apart():
    team = [visitor(i, {"ar": NATIVE, "sv": FLUENT}, {W1: 6, W2: 6}, capacity=6) for i in range(1, 5)]
    households = [move_in(i, "ar", "sv", weeks=[W1, W2]) for i in range(1, 31)]

    placements = solve(households, team)

    assert len(placements) == 30
    for week in (W1, W2):
        loads = [week_load(v, week, placements) for v in team]
        assert max(loads) - min(loads) <= 1


# --- Properties over generated teams and households ------------------------------------------------------

CODES = ["ar", "so", "ti", "prs", "sv"]


@st.composite
def teams(draw: st.DrawFn) -> list[BatchVisitor]:
    team = []
    for visitor_id in range(1, draw(st.integers(min_value=0, max_value=6)) + 1):
        capacity = draw(st.integers(min_value=1, max_value=5))
        if team and draw(st.booleans()):  # a colleague with the same languages and capacity
            like = draw(st.sampled_from(team))
            languages, capacity = dict(like.languages), like.weekly_capacity
        else:
            languages = draw(st.dictionaries(st.sampled_from(CODES), st.integers(BASIC, NATIVE), max_size=3))
        free = draw(st.dictionaries(st.sampled_from(WEEKS), st.integers(min_value=0, max_value=capacity)))
        team.append(BatchVisitor(visitor_id, languages, capacity, free))
    return team


move_ins = st.lists(
    st.builds(
        BatchMoveIn,
        move_in_id=st.just(0),
        languages=st.lists(st.sampled_from(CODES), max_size=3, unique=True).map(tuple),
        weeks=st.lists(st.sampled_from(WEEKS), min_size=1, max_size=3, unique=True).map(tuple),
    ),
    max_size=25,
).map(lambda ms: [BatchMoveIn(i, m.languages, m.weeks) for i, m in enumerate(ms, start=1)])


@given(move_ins, teams())
@settings(max_examples=300, deadline=None)
def test_it_never_exceeds_free_capacity_and_places_each_move_in_at_most_once(households, team):
    placements = solve(households, team)

    free = {(v.visitor_id, week): n for v in team for week, n in v.free.items()}
    assert all(n <= free.get(key, 0) for key, n in new_visits(placements).items())
    ids = [p.move_in_id for p in placements]
    assert len(ids) == len(set(ids))
    assert set(ids) <= {m.move_in_id for m in households}


@given(move_ins, teams())
@settings(max_examples=300, deadline=None)
def test_every_placement_is_in_the_households_window_and_language(households, team):
    placements = solve(households, team)

    households_by_id = {m.move_in_id: m for m in households}
    visitors_by_id = {v.visitor_id: v for v in team}
    for p in placements:
        household, chosen = households_by_id[p.move_in_id], visitors_by_id[p.visitor_id]
        assert p.week in household.weeks
        assert (p.language, p.preference) == (
            best_language(chosen, household.languages) or (None, len(household.languages) + 1)
        )
        if p.language is None and household.languages:
            assert not has_speaker_with_time(household, team)  # an interpreter only when nobody could speak


@given(move_ins, teams())
@settings(max_examples=300, deadline=None)
def test_it_places_at_least_as_many_as_greedy_and_as_many_with_a_speaker(households, team):
    solved, one_by_one = solve(households, team), greedy(households, team)

    assert len(solved) >= len(one_by_one)
    assert with_speaker(households, solved) >= with_speaker(households, one_by_one)


@given(move_ins, teams())
@settings(max_examples=300, deadline=None)
def test_a_visitor_never_ends_a_week_two_visits_above_a_like_colleague_who_had_room(households, team):
    placements = solve(households, team)

    added = new_visits(placements)
    for a in team:
        for b in team:
            alike = a.visitor_id != b.visitor_id and (a.languages, a.weekly_capacity) == (
                b.languages,
                b.weekly_capacity,
            )
            if not alike:
                continue
            for week in WEEKS:
                b_had_room = added[(b.visitor_id, week)] < b.free.get(week, 0)
                if added[(a.visitor_id, week)] and b_had_room:
                    # Otherwise moving one of a's new visits to b would have levelled them at no other cost.
                    assert week_load(a, week, placements) <= week_load(b, week, placements) + 1
