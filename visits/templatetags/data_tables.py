"""The rows of a dashboard table, rendered in Python: a ten-year trend has hundreds of cells, and the
template language's loops and conditions (and format_html's) cost more than the numbers behind them
(docs/performance.md). Every cell is localised and escaped as {{ cell }} would be."""

from collections.abc import Iterable, Sequence

from django import template
from django.conf import settings
from django.utils.formats import get_format, localize
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def table_rows(rows: Iterable[Sequence[object]]) -> SafeString:
    """<tr> per row: the first cell a row header, the others right-aligned numbers, "–" for None."""
    html = []
    for first, *cells in rows:
        numbers = "".join(f'<td class="text-end">{_cell(cell)}</td>' for cell in cells)
        html.append(f'<tr><th scope="row">{escape(localize(first))}</th>{numbers}</tr>')
    return mark_safe("\n".join(html))  # noqa: S308 (every value escaped above)


def _cell(cell: object) -> str:
    if cell is None:
        return "–"
    # A whole number looks the same in every locale unless thousands are separated: no need for localize's
    # ten microseconds of format lookups per cell.
    if type(cell) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(cell)
    if type(cell) is float and not settings.USE_THOUSAND_SEPARATOR and "e" not in (text := repr(cell)):
        return text.replace(".", get_format("DECIMAL_SEPARATOR"))  # 93.4 → "93,4", as localize writes it
    return escape(localize(cell))
