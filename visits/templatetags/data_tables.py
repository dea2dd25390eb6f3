"""The rows of a dashboard table, rendered in Python: a ten-year trend has hundreds of cells, and the
template language's loops and conditions (and format_html's) cost more than the numbers behind them
(docs/performance.md). Every cell is localised and escaped as {{ cell }} would be."""

from collections.abc import Iterable, Sequence

from django import template
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def table_rows(rows: Iterable[Sequence[object]]) -> SafeString:
    """<tr> per row: the first cell a row header, the others right-aligned numbers, "–" for None."""
    html = []
    for first, *cells in rows:
        numbers = "".join(
            f'<td class="text-end">{"–" if cell is None else escape(localize(cell))}</td>' for cell in cells
        )
        html.append(f'<tr><th scope="row">{escape(localize(first))}</th>{numbers}</tr>')
    return mark_safe("\n".join(html))  # noqa: S308 (every value escaped above)
