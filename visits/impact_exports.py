"""The impact dashboard's tables: for the page (each estimate with its interval in one cell, formatted for
the reader's language) and for CSV and Excel (estimate, lower and upper limit in cells of their own, as
numbers). Both are built from the same rows and rounded alike, so they cannot disagree. They hold only
aggregates: counts, rates, shares and means of groups, never a household; a group of fewer than five shows
"fewer than 5" and no figures (visits.impact_statistics).

visits.exports writes them out (to_csv, to_xlsx), neutralising anything a spreadsheet would run.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from visits.exports import Cell, Table
from visits.impact import GroupRow, Impact
from visits.impact_statistics import CONFIDENCE, MIN_GROUP, Estimate


@dataclass(frozen=True)
class Measure:
    title: Callable[[], str]  # translated when the table is built, in the reader's language
    # The count the figure rests on; None when the column before already says it (the damage cost rests on
    # the inspections that the share of damage counts).
    size_title: Callable[[], str] | None
    decimals: int
    estimate: Callable[[GroupRow], Estimate]


MEASURES = (
    Measure(
        lambda: _("Justified disturbance cases per 100 households, first 12 months"),
        lambda: _("Households followed 12 months"),
        1,
        lambda row: row.disturbances,
    ),
    Measure(
        lambda: _("Move-outs with damage (%)"),
        lambda: _("Inspected move-outs"),
        1,
        lambda row: row.damage_share,
    ),
    Measure(
        lambda: _("Mean damage cost (kr)"),
        None,
        0,
        lambda row: row.damage_cost,
    ),
    Measure(
        lambda: _("Mean satisfaction (1–10)"),
        lambda: _("Survey answers"),
        1,
        lambda row: row.satisfaction,
    ),
)


def fewer_than() -> str:
    return _("fewer than %(n)s") % {"n": MIN_GROUP}


def _round(value: float | None, decimals: int) -> float | int | None:
    if value is None:
        return None
    return round(value) if decimals == 0 else round(value, decimals)


def _size(n: int) -> Cell:
    return fewer_than() if 0 < n < MIN_GROUP else n


def _sections(impact: Impact) -> list[tuple[str, str, str | None, list[GroupRow]]]:
    """(key, title, the group column's heading or None, rows) of each table."""
    return [
        ("classes", _("Households visited in time, late and not at all"), None, impact.classes),
        ("languages", _("By language group (the household's first language)"), _("Language"), impact.by_language),
        ("visitors", _("By visitor (who made the first completed visit)"), _("Visitor"), impact.by_visitor),
        ("trend", _("By year of move-in, since the first move-in"), _("Year"), impact.trend),
    ]


def _group_cell(row: GroupRow, key: str) -> str:
    if row.group == "" and key == "languages":
        return _("Not recorded")
    return row.group


# --- CSV and Excel ------------------------------------------------------------------------------------


def export_tables(impact: Impact) -> list[Table]:
    """Numbers in cells of their own: estimate, lower limit, upper limit, the count it rests on."""
    level = round(100 * CONFIDENCE)
    headers: list[str] = [_("Visited"), _("Households")]
    for measure in MEASURES:
        headers += [
            measure.title(),
            _("%(level)s %% CI lower") % {"level": level},
            _("%(level)s %% CI upper") % {"level": level},
            *([measure.size_title()] if measure.size_title else []),
        ]
    tables = [_about(impact)]
    for key, title, group_heading, rows in _sections(impact):
        tables.append(
            Table(
                key=key,
                title=title,
                headers=([group_heading] if group_heading else []) + headers,
                rows=[([_group_cell(row, key)] if group_heading else []) + _export_row(row) for row in rows],
            )
        )
    return tables


def _export_row(row: GroupRow) -> list[Cell]:
    cells: list[Cell] = [row.class_label, _size(row.households)]
    for measure in MEASURES:
        estimate = measure.estimate(row)
        size = [_size(estimate.n)] if measure.size_title else []
        if row.suppressed:
            cells += [None, None, None] + [None] * len(size)
            continue
        cells += [
            _round(estimate.value, measure.decimals),
            _round(estimate.low, measure.decimals),
            _round(estimate.high, measure.decimals),
            *size,
        ]
    return cells


def _about(impact: Impact) -> Table:
    return Table(
        key="about",
        title=_("About these figures"),
        headers=[_("Figure"), _("Value")],
        rows=[
            [_("Move-ins from"), f"{impact.first_day:%Y-%m-%d}"],
            [_("Move-ins to"), f"{impact.last_day:%Y-%m-%d}"],
            [_("Households compared"), impact.households],
            [_("Left out: not yet visited, visit window still open"), impact.window_open],
            [_("Disturbance cases count move-ins up to"), f"{impact.followed_until:%Y-%m-%d}"],
            [_("Caution"), caution()],
        ],
    )


def caution() -> str:
    return _(
        "The groups were not chosen at random: households that decline a visit or cannot be reached may "
        "differ from those that accept, in ways that also affect disturbances, damage and satisfaction. "
        "The comparison shows an association, not proof that the visit caused the difference."
    )


# --- The page -----------------------------------------------------------------------------------------


def page_tables(impact: Impact) -> list[Table]:
    """Each estimate with its interval in one cell, "8,1 (95 % KI 6,2–10,4)"; each count beside it."""
    headers: list[str] = [_("Visited"), _("Households")]
    for measure in MEASURES:
        headers += [measure.title(), *([measure.size_title()] if measure.size_title else [])]
    return [
        Table(
            key=key,
            title=title,
            headers=([group_heading] if group_heading else []) + headers,
            rows=[([_group_cell(row, key)] if group_heading else []) + _page_row(row) for row in rows],
        )
        for key, title, group_heading, rows in _sections(impact)
    ]


def _page_row(row: GroupRow) -> list[Cell]:
    cells: list[Cell] = [row.class_label, fewer_than() if row.suppressed else row.households]
    for measure in MEASURES:
        estimate = measure.estimate(row)
        size = [None if row.suppressed else _size(estimate.n)] if measure.size_title else []
        cells += [None if row.suppressed else format_estimate(estimate, measure.decimals), *size]
    return cells


def format_estimate(estimate: Estimate, decimals: int) -> str | None:
    """ "8,1 (95 % KI 6,2–10,4)" in Swedish, "8.1 (95 % CI 6.2–10.4)" in English; "fewer than 5" for a
    suppressed figure; None when there is nothing to estimate from."""
    if estimate.suppressed:
        return fewer_than()
    if estimate.value is None:
        return None
    value = _number(estimate.value, decimals)
    if estimate.low is None or estimate.high is None:
        return value
    interval = _("(%(level)s %% CI %(low)s–%(high)s)") % {
        "level": round(100 * CONFIDENCE),
        "low": _number(estimate.low, decimals),
        "high": _number(estimate.high, decimals),
    }
    return f"{value} {interval}"


def _number(value: float, decimals: int) -> str:
    return number_format(_round(value, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)
