from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups.archive import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore an archive made by manage.py backup into an empty database (or over one, with --force)."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--force", action="store_true", help="replace the data of a database that is not empty")

    def handle(self, *args, **options):
        try:
            summary = restore_backup(Path(options["archive"]), force=options["force"])
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {summary.rows:,} rows in {summary.tables} tables and {summary.files} files from {summary.path}; "
            "every table matches the backup."
        )
