"""Ranking visitors for a household. Pure: no queries, so the rules read top to bottom and can be tested
over many generated teams and households."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

WORKING_LEVEL = 2  # VisitorLanguage.Level.WORKING: the least command that may carry a visit alone


@dataclass(frozen=True)
class Candidate:
    visitor_id: int
    name: str
    languages: Mapping[str, int]  # language code -> level
    weekly_capacity: int
    load: int  # visits already planned in the household's visit window
    # How much other households need this visitor: see scarcity(). 0 when unknown.
    scarcity: float = 0.0

    @property
    def load_ratio(self) -> float:
        return self.load / self.weekly_capacity

    @property
    def projected_load(self) -> float:
        """The load relative to capacity, plus what households only few others can serve will need."""
        return self.load_ratio + self.scarcity


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    language: str | None  # the household language this visitor can carry the visit in; None: interpreter
    preference: int  # 1 = the household's most preferred language; len(languages)+1 = none of them


@dataclass
class Ranking:
    speakers: list[Ranked] = field(default_factory=list)
    others: list[Ranked] = field(default_factory=list)  # would need an interpreter


def rank_visitors(candidates: Sequence[Candidate], household_languages: Sequence[str]) -> Ranking:
    """Speakers of the household's most preferred language first, then of its next. Within one language,
    the lowest projected load: planned load relative to capacity plus the share of capacity other
    households are expected to need (so the only Tigrinya speaker is kept for the Tigrinya households,
    yet not left idle); equally suited visitors (same languages) therefore go by load alone. Ties broken
    by id for a stable order."""
    ranking = Ranking()
    for candidate in candidates:
        best = _best_language(candidate, household_languages)
        if best is None:
            ranking.others.append(Ranked(candidate, None, len(household_languages) + 1))
        else:
            ranking.speakers.append(Ranked(candidate, best, household_languages.index(best) + 1))
    ranking.speakers.sort(
        key=lambda r: (r.preference, r.candidate.projected_load, r.candidate.load_ratio, r.candidate.visitor_id)
    )
    ranking.others.sort(key=lambda r: (r.candidate.load_ratio, r.candidate.visitor_id))
    return ranking


def _best_language(candidate: Candidate, household_languages: Sequence[str]) -> str | None:
    for code in household_languages:
        if candidate.languages.get(code, 0) >= WORKING_LEVEL:
            return code
    return None


def scarcity(
    team: Mapping[int, tuple[Mapping[str, int], int]], demand: Mapping[tuple[str, ...], int]
) -> dict[int, float]:
    """For each visitor (id -> (languages with levels, weekly capacity)), the expected need for them
    relative to their weekly capacity, in the same unit as Candidate.load_ratio.

    `demand` counts the households expected in a visit window, by their languages. Each
    household spreads one unit of need evenly over the visitors who could serve it in one of its
    languages; a visitor who is one of few speakers of a common language collects much, a visitor whose
    languages everybody speaks collects little. Households nobody speaks to are left out: they need an
    interpreter whoever visits.
    """
    need = dict.fromkeys(team, 0.0)
    for languages, households in demand.items():
        able = [vid for vid, (levels, _) in team.items() if any(levels.get(c, 0) >= WORKING_LEVEL for c in languages)]
        for vid in able:
            need[vid] += households / len(able)
    return {vid: need[vid] / capacity for vid, (_, capacity) in team.items()}
