"""python manage.py import_move_ins FILE [--kind KIND] [--dry-run] [--all-or-nothing]

For the property system's nightly exports – move-ins, and with --kind their outcomes (disturbance-cases,
move-out-inspections, survey-answers), which name their move-in by contract number, so import the
move-ins first: prints the same report as the coordinator's upload and exits
1 when any row was rejected (2 when the file itself could not be read), so the job that runs it notices.
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tenants.imports import Kind, import_file

# On the command line with hyphens, as shell users write options.
KINDS = {kind.value.replace("_", "-"): kind for kind in Kind}


class Command(BaseCommand):
    help = "Import move-ins (or their outcomes) from a CSV or Excel (.xlsx) file exported by the property system."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV (UTF-8 or Windows-1252, ; or ,) or .xlsx")
        parser.add_argument(
            "--kind", choices=sorted(KINDS), default="move-ins", help="What the file holds (default: move-ins)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and report, save nothing.")
        parser.add_argument("--all-or-nothing", action="store_true", help="Save nothing if any row is rejected.")

    def handle(
        self, *args: object, file: Path, kind: str, dry_run: bool, all_or_nothing: bool, **options: object
    ) -> None:
        try:
            size = file.stat().st_size
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}", returncode=2) from None
        if size > settings.IMPORT_MAX_BYTES:
            raise CommandError(
                _("%(file)s: the file is larger than %(limit)s.")
                % {"file": file, "limit": filesizeformat(settings.IMPORT_MAX_BYTES)},
                returncode=2,
            )
        try:
            report = import_file(
                file.read_bytes(),
                filename=file.name,
                dry_run=dry_run,
                all_or_nothing=all_or_nothing,
                kind=KINDS[kind],
            )
        except ValidationError as error:
            raise CommandError(f"{file}: {' '.join(error.messages)}", returncode=2) from None
        for line in report.lines():
            self.stdout.write(line)
        if report.rejected:
            raise CommandError(
                _("%(file)s: %(count)s rows were rejected.") % {"file": file, "count": len(report.rejected)},
                returncode=1,
            )
