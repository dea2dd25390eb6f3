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

    @property
    def load_ratio(self) -> float:
        return self.load / self.weekly_capacity


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
    """Speakers of the household's most preferred language first, then of its next; within one
    language the lowest load relative to capacity first; ties broken by id for a stable order."""
    ranking = Ranking()
    for candidate in candidates:
        best = _best_language(candidate, household_languages)
        if best is None:
            ranking.others.append(Ranked(candidate, None, len(household_languages) + 1))
        else:
            ranking.speakers.append(Ranked(candidate, best, household_languages.index(best) + 1))
    ranking.speakers.sort(key=lambda r: (r.preference, r.candidate.load_ratio, r.candidate.visitor_id))
    ranking.others.sort(key=lambda r: (r.candidate.load_ratio, r.candidate.visitor_id))
    return ranking


def _best_language(candidate: Candidate, household_languages: Sequence[str]) -> str | None:
    for code in household_languages:
        if candidate.languages.get(code, 0) >= WORKING_LEVEL:
            return code
    return None
