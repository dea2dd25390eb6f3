"""Dashboard tables drawn by a template tag write each cell as the template language would."""

import re

from django.template import Context, Template
from django.utils import translation

from visits.templatetags.data_tables import table_rows


def test_table_cells_are_written_as_the_template_language_would_localise_them():
    rows = [["2026-01", 12, 93.4, None, 0.1, 2.0, 1e-07, "<b>"]]
    cells = "".join(f"<td>{{{{ row.{i} }}}}</td>" for i in range(1, 8))
    template = Template("{% for row in rows %}<th>{{ row.0 }}</th>" + cells + "{% endfor %}")
    for language in ("sv", "en"):
        with translation.override(language):
            expected = re.findall(r"<t[hd]>(.*?)</t[hd]>", template.render(Context({"rows": rows})))
            ours = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table_rows(rows))
            assert ours == [expected[0], *["–" if cell == "None" else cell for cell in expected[1:]]]
