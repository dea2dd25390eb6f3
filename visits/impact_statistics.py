"""The impact dashboard's statistics: estimates with confidence intervals, and the suppression of small
groups. No queries: the database aggregates (counts, sums, sums of squares), these functions turn the
aggregates into figures, so that they can be checked by hand against textbook values
(visits/tests/test_impact_statistics.py).

- A share (households with damage among inspected move-outs): the Wilson score interval, which stays
  inside 0–1 and behaves at 0 and n (unlike the textbook "p ± 1.96·SE").
- A rate (justified disturbance cases per 100 households): the exact Poisson interval of Garwood (1936)
  from chi-square quantiles; it is right for the small counts a district or a language group has.
- A mean (damage cost, satisfaction): Student's t interval, from n, the sum and the sum of squares.

A group with fewer than MIN_GROUP households shows no figures at all ("fewer than 5"), so that nobody can
be singled out in a table by language or by visitor.
"""

import math
from dataclasses import dataclass

from scipy import stats

CONFIDENCE = 0.95
# Groups smaller than this show no figures, only that they are small.
MIN_GROUP = 5


@dataclass(frozen=True)
class Estimate:
    """A figure, its confidence interval (None when the data cannot give one) and the count it rests on:
    households for a rate, inspected move-outs for damage, answers for satisfaction."""

    value: float | None
    low: float | None
    high: float | None
    n: int
    suppressed: bool = False

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None


def is_suppressed(n: int) -> bool:
    """True for a group too small to show: 1 to MIN_GROUP - 1 households. An empty group is not
    suppressed (it has nothing to show, and 0 singles nobody out)."""
    return 0 < n < MIN_GROUP


def suppressed(n: int) -> Estimate:
    return Estimate(value=None, low=None, high=None, n=n, suppressed=True)


def _alpha(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie between 0 and 1, not {confidence}")
    return 1 - confidence


def wilson_interval(successes: int, n: int, *, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """The Wilson score interval for the proportion successes / n; None when n is 0."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, not {successes} of {n}")
    if n == 0:
        return None
    z = float(stats.norm.ppf(1 - _alpha(confidence) / 2))
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At 0 of n and n of n the interval ends exactly at 0 or 1; floating point would miss by a hair.
    low = 0.0 if successes == 0 else centre - half
    high = 1.0 if successes == n else centre + half
    return low, high


def poisson_interval(events: int, *, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Garwood's exact interval for the mean of a Poisson count: chi-square quantiles with 2k and
    2k + 2 degrees of freedom, halved; the lower end is 0 when no event was seen."""
    if events < 0:
        raise ValueError(f"a count cannot be negative: {events}")
    alpha = _alpha(confidence)
    low = 0.0 if events == 0 else float(stats.chi2.ppf(alpha / 2, 2 * events)) / 2
    high = float(stats.chi2.ppf(1 - alpha / 2, 2 * events + 2)) / 2
    return low, high


def proportion(successes: int, n: int, *, confidence: float = CONFIDENCE) -> Estimate:
    """A share in per cent (0–100) with its Wilson interval; suppressed under MIN_GROUP."""
    if is_suppressed(n):
        return suppressed(n)
    interval = wilson_interval(successes, n, confidence=confidence)
    if interval is None:
        return Estimate(value=None, low=None, high=None, n=0)
    return Estimate(value=100 * successes / n, low=100 * interval[0], high=100 * interval[1], n=n)


def rate_per_100(events: int, households: int, *, confidence: float = CONFIDENCE) -> Estimate:
    """Events per 100 households with Garwood's interval; suppressed under MIN_GROUP households."""
    if is_suppressed(households):
        return suppressed(households)
    if households == 0:
        return Estimate(value=None, low=None, high=None, n=0)
    low, high = poisson_interval(events, confidence=confidence)
    per = 100 / households
    return Estimate(value=events * per, low=low * per, high=high * per, n=households)


def mean(
    n: int,
    total: float,
    total_of_squares: float,
    *,
    bounds: tuple[float, float] = (-math.inf, math.inf),
    confidence: float = CONFIDENCE,
) -> Estimate:
    """The mean of n values from their sum and sum of squares, with Student's t interval (n - 1 degrees of
    freedom); suppressed under MIN_GROUP, so there are always at least two values.

    `bounds` are the values the mean can take (a cost is never below 0 kr, a score lies within 1–10): the
    interval is cut to them, which keeps its coverage, rather than show a cost of "−1 021 kr"."""
    if n < 0:
        raise ValueError(f"n cannot be negative: {n}")
    if is_suppressed(n):
        return suppressed(n)
    if n == 0:
        return Estimate(value=None, low=None, high=None, n=0)
    average = total / n
    # Rounding can take the difference a hair below zero when every value is the same.
    variance = max(0.0, (total_of_squares - total * total / n) / (n - 1))
    half = float(stats.t.ppf(1 - _alpha(confidence) / 2, n - 1)) * math.sqrt(variance / n)
    low, high = bounds
    return Estimate(value=average, low=max(low, average - half), high=min(high, average + half), n=n)
