"""Assigning many move-ins at once — a year's backlog, the visits of an absent colleague, a big import —
by the same rules as the one-by-one matcher, but chosen together by a min-cost flow instead of greedily.
Pure: no queries, no clock. The caller reads the team and the move-ins, calls `solve`, writes the visits,
and sends every move-in missing from the result to the coordinator's queue.

The rules are those of `visits.matching`, with one deliberate difference noted below:

* A visitor can carry a visit alone in a language they speak at WORKING level or better; the household's
  most preferred language wins over its next.
* When no visitor who speaks one of the household's languages has free capacity in any week of its window
  (or the household named no language), any visitor may take it — with an interpreter when it named
  languages. When a speaker did have room in the window but the batch filled it, the move-in is left
  to the coordinator rather than sent with an interpreter (the one-by-one service falls back to an
  interpreter there). So which households are "interpreter households" does not depend on the order
  of the batch, and the solver can promise never to serve fewer households in their own language than
  the greedy order would.
* Capacity (visits per ISO week) is never exceeded: `free` says how many visits a visitor can still take
  in each week, and a missing week means none (absent, or full).
* Among suitable visitors keep rare languages for those who need them, and level the load relative to
  weekly capacity.

The network. Move-ins with the same languages and window are one "group" node whose supply is their
number; a "hub" per (language, week) gathers the households that may be visited in that language that
week, and a hub per week for "anyone" (interpreter households, households that named no language):

    source --count--> group --count, language cost--> hub(language, week) --free, scarcity cost-->
        visitor-week --1 per free visit, rising load cost--> sink

Hubs keep the arc count near (groups x languages x weeks) instead of (groups x visitors x weeks): for
10,000 move-ins and 30 visitors about 61,000 arcs instead of 290,000. A visitor-week has one unit arc per
free visit, the k-th dearer than the (k-1)-th, so filling one visitor while another idles is never the
cheapest. The flow is solved as a *maximum* flow of minimum cost (`solve_max_flow_with_min_cost`): placing
as many move-ins as possible is then an exact first priority, with no "unplaced" arc whose cost would
have to exceed all other costs of the batch together and would overflow OR-Tools' scaled int64 costs.

The cost scale, integers, lowest tier first. Each tier outweighs everything the tiers below it can add up
to over the whole batch of N move-ins, so the priorities are exact rather than a matter of tuning:

1. Load and scarcity, together at most LOWER = (largest load step) + (largest scarcity cost) a placement:
   * load: the k-th new visit of a visitor in a week costs round(1000 * planned_after / weekly_capacity),
     planned_after = (weekly_capacity - free) + k. Strictly increasing for capacities up to 1000, so two
     visitors with the same languages and capacity never end a week two or more visits apart while one
     of the visits could have gone to the other.
   * scarcity: a language's pressure = min(1, demand / supply); demand = move-ins whose first language
     with any speaker is this one, supply = free visits of its speakers in the batch's weeks. A visit in
     language L costs round(500 * sum of the pressures of the visitor's *other* languages), anyone-visits
     the sum of all: the only Tigrinya speaker is dearer for an Arabic household than an Arabic-only
     colleague by half a full week's load per unit of Tigrinya pressure, and costs nothing extra when no
     Tigrinya household is waiting.
2. Language preference: PREFERENCE_STEP = N * LOWER + 1 for each rank below the household's first choice.
3. Interpreter: INTERPRETER = (N * largest rank step + 1) * PREFERENCE_STEP, dearer than every household
   of the batch in its last choice. It decides only who gets capacity both kinds of household could use.

With N = 10,000 the largest cost is about 4 * 10^11; OR-Tools multiplies costs by the number of nodes
(about 7,500) and stays far from the int64 limit. 100,000 move-ins still solve; at 300,000 OR-Tools
reports BAD_COST_RANGE and `solve` raises rather than answer wrongly: split such batches by period.
"""

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from ortools.graph.python import min_cost_flow

from visits.matching import WORKING_LEVEL

LOAD_SCALE = 1000  # cost of a visitor-week going from empty to full capacity
SCARCITY_SCALE = 500  # cost of taking a visit from a visitor whose other language has pressure 1
SOURCE, SINK = 0, 1  # the flow network's first two nodes

Group = tuple[tuple[str, ...], tuple[datetime.date, ...]]  # a household's languages and window: one node


@dataclass(frozen=True)
class BatchMoveIn:
    move_in_id: int
    languages: tuple[str, ...]  # most preferred first; may be empty
    weeks: tuple[datetime.date, ...]  # Monday dates of the ISO weeks the visit may fall in (its window)


@dataclass(frozen=True)
class BatchVisitor:
    visitor_id: int
    languages: Mapping[str, int]  # code -> level (1..4)
    weekly_capacity: int
    free: Mapping[datetime.date, int]  # free visits left per week (Monday date); missing week = 0 (absent/full)


@dataclass(frozen=True)
class Placement:
    move_in_id: int
    visitor_id: int
    week: datetime.date
    language: str | None  # None: with an interpreter, or the household named no language
    preference: int  # 1-based rank of `language` in the household's; len(languages) + 1 when None


def best_language(visitor: BatchVisitor, languages: Sequence[str]) -> tuple[str, int] | None:
    """The household's most preferred language the visitor can carry a visit in, with its 1-based rank."""
    for rank, code in enumerate(languages, start=1):
        if visitor.languages.get(code, 0) >= WORKING_LEVEL:
            return code, rank
    return None


def has_speaker_with_time(move_in: BatchMoveIn, visitors: Sequence[BatchVisitor]) -> bool:
    """Whether some visitor speaking one of the household's languages had room in its window before the
    batch. If not, anyone may take it (with an interpreter); if so, only speakers may."""
    return any(
        best_language(v, move_in.languages) is not None and any(v.free.get(w, 0) > 0 for w in move_in.weeks)
        for v in visitors
    )


def solve(move_ins: Sequence[BatchMoveIn], visitors: Sequence[BatchVisitor]) -> list[Placement]:
    """The most move-ins that can be placed, then each in the most preferred language possible, then with
    rare languages kept and load levelled. Move-ins that cannot be placed are absent from the result.
    Placements come in the order of `move_ins`."""
    members: dict[Group, list[int]] = defaultdict(list)
    for index, move_in in enumerate(move_ins):
        members[(move_in.languages, tuple(sorted(set(move_in.weeks))))].append(index)
    groups = list(members)
    weeks = sorted({w for _, window in groups for w in window})
    pressure = _language_pressure(members, visitors, weeks)
    network = _Network()
    max_load_step = max_scarcity = 0

    # Visitor-weeks, each with one unit arc per free visit to the sink; hubs, with an arc to every
    # visitor-week that can take a visit in the hub's language (None: anyone) at its scarcity cost.
    for vi, visitor in enumerate(visitors):
        capacity = max(visitor.weekly_capacity, 1)
        working = [code for code, level in visitor.languages.items() if level >= WORKING_LEVEL]
        for week in weeks:
            free = visitor.free.get(week, 0)
            if free <= 0:
                continue
            node = network.node(("visitor-week", vi, week))
            planned = max(visitor.weekly_capacity - free, 0)
            for k in range(1, free + 1):
                load_step = round(LOAD_SCALE * (planned + k) / capacity)
                network.arc(node, SINK, 1, load_step)
            max_load_step = max(max_load_step, load_step)
            for code in [*working, None]:
                scarcity = round(SCARCITY_SCALE * sum(p for lang, p in pressure[vi].items() if lang != code))
                hub_arc = network.arc(network.node(("hub", code, week)), node, free, scarcity)
                network.hub_arcs[(code, week)].append((hub_arc, vi))
                max_scarcity = max(max_scarcity, scarcity)

    # Groups: from the source, and to the hubs of their languages (or anyone's hub) in their weeks.
    group_arcs: list[tuple[int, int, str | None, datetime.date, int]] = []  # arc, group, hub language, week, rank
    for g, (languages, window) in enumerate(groups):
        count = len(members[(languages, window)])
        node = network.node(("group", g))
        network.arc(SOURCE, node, count, 0)
        anyone = not languages or not has_speaker_with_time(move_ins[members[(languages, window)][0]], visitors)
        hubs = [(None, len(languages) + 1)] if anyone else [(code, r) for r, code in enumerate(languages, start=1)]
        for code, rank in hubs:
            for week in window:
                if (code, week) in network.hub_arcs:
                    group_arcs.append(
                        (network.arc(node, network.node(("hub", code, week)), count, 0), g, code, week, rank)
                    )
    if not group_arcs:
        return []

    # Language costs, now that the tiers below them are known (see the module docstring).
    n = len(move_ins)
    preference_step = n * (max_load_step + max_scarcity) + 1
    max_rank_step = max((rank - 1 for _, _, code, _, rank in group_arcs if code is not None), default=0)
    interpreter = (n * max_rank_step + 1) * preference_step
    for arc, g, code, _week, rank in group_arcs:
        if code is not None:
            network.costs[arc] = (rank - 1) * preference_step
        elif groups[g][0]:
            network.costs[arc] = interpreter
    flows = network.solve(supply=n)

    # Within a hub any pairing of incoming move-ins with outgoing visits is as cheap as any other, and
    # in an optimal flow no visitor leaving a hub speaks a language an incoming household prefers more
    # (sending the household through that language's hub would cost a preference step less), so we pair
    # them in order; the placement still names the visitor's best language for the household.
    visits_from_hub: dict[tuple[str | None, datetime.date], list[int]] = {}
    for key, arcs in network.hub_arcs.items():
        visits_from_hub[key] = [vi for arc, vi in arcs for _ in range(flows[arc])]
    waiting = {g: iter(members[key]) for g, key in enumerate(groups)}
    placed: dict[int, Placement] = {}
    for arc, g, code, week, _rank in group_arcs:
        for _ in range(flows[arc]):
            index = next(waiting[g])
            visitor = visitors[visits_from_hub[(code, week)].pop()]
            best = best_language(visitor, move_ins[index].languages)
            language, preference = best if best is not None else (None, len(move_ins[index].languages) + 1)
            placed[index] = Placement(move_ins[index].move_in_id, visitor.visitor_id, week, language, preference)
    return [placed[index] for index in sorted(placed)]


class _Network:
    """Arcs collected in plain lists and handed to OR-Tools in one call."""

    def __init__(self) -> None:
        self.nodes: dict[tuple, int] = {}
        self.tails: list[int] = []
        self.heads: list[int] = []
        self.capacities: list[int] = []
        self.costs: list[int] = []
        self.hub_arcs: dict[tuple[str | None, datetime.date], list[tuple[int, int]]] = defaultdict(list)

    def node(self, key: tuple) -> int:
        return self.nodes.setdefault(key, len(self.nodes) + 2)  # after SOURCE and SINK

    def arc(self, tail: int, head: int, capacity: int, cost: int) -> int:
        self.tails.append(tail)
        self.heads.append(head)
        self.capacities.append(capacity)
        self.costs.append(cost)
        return len(self.tails) - 1

    def solve(self, *, supply: int) -> list[int]:
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(
            np.array(self.tails, dtype=np.int32),
            np.array(self.heads, dtype=np.int32),
            np.array(self.capacities, dtype=np.int64),
            np.array(self.costs, dtype=np.int64),
        )
        flow.set_node_supply(SOURCE, supply)
        flow.set_node_supply(SINK, -supply)
        status = flow.solve_max_flow_with_min_cost()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"The min-cost flow solver gave up ({status!r}); split the batch.")
        return flow.flows(np.arange(len(self.tails), dtype=np.int32)).tolist()


def _language_pressure(
    members: Mapping[Group, list[int]],
    visitors: Sequence[BatchVisitor],
    weeks: Sequence[datetime.date],
) -> list[dict[str, float]]:
    """Per visitor: the pressure (demand over supply, at most 1) on each language they can work in."""
    supply: dict[str, int] = defaultdict(int)
    for visitor in visitors:
        room = sum(visitor.free.get(w, 0) for w in weeks)
        for code, level in visitor.languages.items():
            if level >= WORKING_LEVEL:
                supply[code] += room
    demand: dict[str, int] = defaultdict(int)
    for (languages, _weeks), group in members.items():
        spoken = next((code for code in languages if supply[code] > 0), None)
        if spoken is not None:
            demand[spoken] += len(group)
    return [
        {
            code: min(1.0, demand[code] / supply[code]) if supply[code] else 0.0
            for code, level in visitor.languages.items()
            if level >= WORKING_LEVEL
        }
        for visitor in visitors
    ]


def greedy(move_ins: Sequence[BatchMoveIn], visitors: Sequence[BatchVisitor]) -> list[Placement]:
    """The one-by-one baseline, for comparison: in input order, each move-in takes the best-ranked visitor
    with a free week in its window — speakers of its most preferred language first, then the lowest load
    relative to capacity over the window (a week without free visits counts as full), then the lowest
    id — in that visitor's earliest free week, as the one-by-one service takes the earliest free slot."""
    free = {v.visitor_id: dict(v.free) for v in visitors}
    placements = []
    for move_in in move_ins:
        weeks = sorted(set(move_in.weeks))
        anyone = not move_in.languages or not has_speaker_with_time(move_in, visitors)
        options = []
        for visitor in visitors:
            if not any(free[visitor.visitor_id].get(w, 0) > 0 for w in weeks):
                continue
            best = best_language(visitor, move_in.languages)
            if best is None and not anyone:
                continue
            code, rank = best if best is not None else (None, len(move_in.languages) + 1)
            planned = sum(visitor.weekly_capacity - free[visitor.visitor_id].get(w, 0) for w in weeks)
            load_ratio = Fraction(planned, max(visitor.weekly_capacity, 1) * len(weeks))
            options.append((rank, load_ratio, visitor.visitor_id, code))
        if not options:
            continue
        rank, _ratio, visitor_id, code = min(options)
        week = next(w for w in weeks if free[visitor_id].get(w, 0) > 0)
        free[visitor_id][week] -= 1
        placements.append(Placement(move_in.move_in_id, visitor_id, week, code, rank))
    return placements
