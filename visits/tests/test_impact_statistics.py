"""The impact dashboard's intervals against values computed elsewhere, and the suppression of small groups.

Expected values are R's, to the digits shown (and each is a textbook formula one can do by hand):
- Wilson: prop.test(x, n, correct = FALSE)$conf.int
- Garwood: poisson.test(x)$conf.int, i.e. qchisq(0.025, 2x) / 2 and qchisq(0.975, 2x + 2) / 2
- Student's t: t.test(x)$conf.int
"""

import math
import statistics as py_statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from visits.impact_statistics import (
    MIN_GROUP,
    is_suppressed,
    mean,
    poisson_interval,
    proportion,
    rate_per_100,
    wilson_interval,
)


def approx(value: float) -> pytest.approx:
    return pytest.approx(value, abs=0.0005)  # three decimals


# --- Wilson ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (8, 10, 0.4902, 0.9433),
        (2, 5, 0.1176, 0.7693),
        (0, 10, 0.0000, 0.2775),
        (10, 10, 0.7225, 1.0000),
        (50, 100, 0.4038, 0.5962),
    ],
)
def test_the_wilson_interval_matches_r(successes, n, low, high):
    assert wilson_interval(successes, n) == (approx(low), approx(high))


def test_a_share_of_nobody_has_no_interval():
    assert wilson_interval(0, 0) is None


def test_a_share_is_given_in_per_cent_with_its_interval():
    estimate = proportion(8, 10)

    assert (estimate.value, estimate.low, estimate.high, estimate.n) == (80.0, approx(49.016), approx(94.332), 10)


def test_the_interval_widens_with_the_confidence_asked():
    assert wilson_interval(8, 10, confidence=0.90) == (approx(0.5408), approx(0.9314))


# --- Garwood (exact Poisson) -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "low", "high"),
    [(0, 0.0, 3.689), (1, 0.0253, 5.5716), (3, 0.6187, 8.7673), (10, 4.7954, 18.3904)],
)
def test_the_poisson_interval_is_garwoods(events, low, high):
    assert poisson_interval(events) == (approx(low), approx(high))


def test_a_rate_per_100_households_scales_the_count_and_its_interval():
    # 3 justified cases among 20 households: 15 per 100, (0.619, 8.767) / 20 * 100.
    estimate = rate_per_100(3, 20)

    assert (estimate.value, estimate.low, estimate.high, estimate.n) == (15.0, approx(3.093), approx(43.836), 20)


def test_no_cases_among_many_households_is_a_rate_of_zero_with_an_upper_limit():
    estimate = rate_per_100(0, 100)

    assert (estimate.value, estimate.low, estimate.high) == (0.0, 0.0, approx(3.689))


# --- Student's t ------------------------------------------------------------------------------------------


def _mean_of(values: list[float], **kwargs):
    return mean(len(values), sum(values), sum(v * v for v in values), **kwargs)


@pytest.mark.parametrize(
    ("values", "low", "high"),
    [
        ([2, 4, 4, 4, 5, 5, 7, 9], 3.2125, 6.7875),
        ([10.1, 9.8, 10.3, 10.0, 9.9], 9.7812, 10.2588),
        ([8, 9, 7, 8, 10], 6.9843, 9.8157),
    ],
)
def test_the_t_interval_from_sums_matches_r(values, low, high):
    estimate = _mean_of(values)

    assert estimate.value == approx(py_statistics.fmean(values))
    assert (estimate.low, estimate.high) == (approx(low), approx(high))


def test_a_mean_is_cut_to_the_values_it_can_take():
    # 0, 0, 0, 2000, 4000 kr: t gives (-1021.2, 3421.2), 1200 ± 2.776 × 800; a cost is never below 0 kr.
    estimate = _mean_of([0, 0, 0, 2000, 4000], bounds=(0.0, math.inf))

    assert (estimate.value, estimate.low, estimate.high) == (1200.0, 0.0, approx(3421.156))


def test_identical_values_have_an_interval_of_no_width():
    estimate = _mean_of([7, 7, 7, 7, 7])

    assert (estimate.value, estimate.low, estimate.high) == (7.0, 7.0, 7.0)


# --- Suppression ------------------------------------------------------------------------------------------


def test_a_group_of_four_is_suppressed_and_a_group_of_five_is_not():
    assert MIN_GROUP == 5
    assert is_suppressed(4) and not is_suppressed(5)
    for estimate in (proportion(1, 4), rate_per_100(1, 4), _mean_of([1, 2, 3, 4])):
        assert estimate.suppressed and estimate.value is None and estimate.low is None and estimate.high is None
    for estimate in (proportion(1, 5), rate_per_100(1, 5), _mean_of([1, 2, 3, 4, 5])):
        assert not estimate.suppressed and estimate.value is not None and estimate.has_interval


def test_an_empty_group_shows_nothing_but_is_not_called_small():
    for estimate in (proportion(0, 0), rate_per_100(0, 0), mean(0, 0, 0)):
        assert (estimate.value, estimate.n, estimate.suppressed) == (None, 0, False)


def test_nonsense_is_refused():
    with pytest.raises(ValueError):
        wilson_interval(11, 10)
    with pytest.raises(ValueError):
        poisson_interval(-1)
    with pytest.raises(ValueError):
        wilson_interval(1, 10, confidence=95)


# --- Properties ---------------------------------------------------------------------------------------------


@given(n=st.integers(1, 10_000), data=st.data())
def test_the_wilson_interval_lies_in_0_1_and_contains_the_share(n, data):
    successes = data.draw(st.integers(0, n))
    low, high = wilson_interval(successes, n)

    assert 0 <= low <= successes / n <= high <= 1


@given(successes=st.integers(0, 50), extra=st.integers(0, 50), factor=st.integers(2, 50))
def test_the_wilson_interval_narrows_with_more_households_at_the_same_share(successes, extra, factor):
    n = successes + extra + 1
    low, high = wilson_interval(successes, n)
    low_more, high_more = wilson_interval(successes * factor, n * factor)

    assert high_more - low_more < high - low


@given(events=st.integers(0, 5_000))
def test_the_poisson_interval_contains_the_count(events):
    low, high = poisson_interval(events)

    assert 0 <= low <= events < high


@given(events=st.integers(0, 200), households=st.integers(MIN_GROUP, 2_000), factor=st.integers(2, 20))
def test_a_rate_narrows_with_more_households_at_the_same_rate(events, households, factor):
    few = rate_per_100(events, households)
    many = rate_per_100(events * factor, households * factor)

    assert few.low <= few.value <= few.high
    assert many.value == pytest.approx(few.value)
    assert many.high - many.low < few.high - few.low


@given(
    values=st.lists(st.integers(1, 10), min_size=MIN_GROUP, max_size=200).filter(lambda v: len(set(v)) > 1),
    factor=st.integers(2, 10),
)
def test_a_mean_is_inside_its_interval_which_narrows_with_more_answers(values, factor):
    few = _mean_of(values)
    many = _mean_of(values * factor)

    assert few.low <= few.value <= few.high
    assert many.high - many.low < few.high - few.low
