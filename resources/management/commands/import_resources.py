"""Import an existing archive of knowledge products: `manage.py import_resources archive.csv --files scans/`.

Every row is checked first and reported; any error means nothing is imported. See resources/importing.py for the
columns (or run with --help)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from resources import importing


class Command(BaseCommand):
    help = (
        "Import resources from a CSV file (one row per resource) and a folder of files. Every row is checked first "
        "and reported; if any row has an error, nothing is imported. Columns: "
        + ", ".join(importing.COLUMNS)
        + " (title, summary and type are required; lists are separated by ';'). See resources/importing.py."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("csv", help="The CSV file (UTF-8, with a header row).")
        parser.add_argument("--files", help="The folder holding the files named in the 'files' column.")
        parser.add_argument("--dry-run", action="store_true", help="Check and report only; import nothing.")
        parser.add_argument(
            "--user",
            help="Email of the account the import is recorded under (uploader and audit log); default: the system.",
        )

    def handle(self, *args, **options) -> None:
        csv_path = Path(options["csv"])
        files_dir = Path(options["files"]) if options.get("files") else None
        acting_user = None
        if options.get("user"):
            acting_user = (
                get_user_model().objects.filter(email__iexact=options["user"], is_active=True).first()
            )
            if acting_user is None:
                raise CommandError(f"No active account with the email address {options['user']}.")
        try:
            report = importing.check_file(csv_path, files_dir=files_dir)
        except importing.ImportFileError as error:
            raise CommandError(str(error)) from error

        for row in report.rows:
            label = f"Row {row.number}"
            title = f"“{row.title[:80]}”" if row.title else "(no title)"
            if row.errors:
                self.stdout.write(self.style.ERROR(f"{label}: ERROR {title}"))
                for error in row.errors:
                    self.stdout.write(f"    - {error}")
            else:
                files = f"{len(row.files)} file{'s' if len(row.files) != 1 else ''}"
                self.stdout.write(f"{label}: OK {title} ({row.status}, {row.data['visibility']}, {files})")
            for warning in row.warnings:
                self.stdout.write(self.style.WARNING(f"    ! {warning}"))

        total = len(report.rows)
        if report.error_count:
            raise CommandError(
                f"{report.error_count} of {total} rows have errors. Nothing was imported: fix the rows above and run "
                "the import again."
            )
        if options["dry_run"]:
            self.stdout.write(
                self.style.SUCCESS(f"Dry run: all {total} rows are valid. Nothing was imported.")
            )
            return
        created = importing.import_checked(report, acting_user=acting_user, source_name=csv_path.name)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(created)} resources. Text extraction of their files runs in the background worker."
            )
        )
