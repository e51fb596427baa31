import unicodedata
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from experiences.importing import ImportRefused, import_file
from experiences.readers import SUPPORTED_EXTENSIONS

COLUMNS = ["file", "documents", "sections", "places", "drafts", "duplicates", "warnings", "result"]


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int) -> str:
    return text + " " * (size - width(text))


class Command(BaseCommand):
    help = "Import study reports (.txt in any Chinese encoding, .md, .html, .docx, .pdf) as draft documents."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="files, or folders to import every supported file in")
        parser.add_argument("--dry-run", action="store_true", help="analyse and report, write nothing")
        parser.add_argument("--force", action="store_true", help="import exact duplicates of existing documents too")

    def handle(self, *args, **options):
        files = self._expand([Path(p) for p in options["paths"]])
        rows, failures = [], 0
        progress = tqdm(files, unit="file", disable=len(files) < 2, file=self.stderr._out)
        for path in progress:
            progress.set_description(path.name[:30])
            try:
                plan, result = import_file(
                    name=path.name, data=path.read_bytes(), dry_run=options["dry_run"], force=options["force"]
                )
            except (ImportRefused, OSError) as error:
                failures += 1
                rows.append([str(path), "-", "-", "-", "-", "-", "-", f"FAILED: {error}"])
                continue
            docs = plan.to_write(force=options["force"])
            skipped = len(plan.documents) - len(docs)
            outcome = "dry run" if result is None else "imported"
            rows.append(
                [
                    str(path),
                    str(len(docs)),
                    str(sum(len(d.outline.nodes) for d in docs)),
                    str(len({code for d in docs for code in d.places})),
                    str(sum(d.draft_count for d in docs)),
                    str(sum(1 for d in docs if d.duplicate)),
                    str(len(plan.warnings) + sum(len(d.warnings) for d in docs)),
                    f"{outcome}, {skipped} repeat(s) left out" if skipped else outcome,
                ]
            )
            if options["verbosity"] > 1:
                self._details(plan)
        self._table(rows)
        if failures:
            raise CommandError(f"{failures} of {len(files)} file(s) failed; the others were processed.")

    def _expand(self, paths: list[Path]) -> list[Path]:
        files = []
        for path in paths:
            if path.is_dir():
                files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in SUPPORTED_EXTENSIONS))
            else:
                files.append(path)  # a missing or unsupported file is reported as a failure
        return files

    def _details(self, plan):
        for document in plan.documents:
            line = f"  {document.title} [{document.kind}] {len(document.outline.nodes)} sections"
            if document.duplicate:
                line += f", duplicate of {document.duplicate.title} ({document.duplicate.similarity:.2f})"
            self.stdout.write(line)
            for warning in document.warnings:
                self.stdout.write(f"    warning: {warning}")
        for warning in plan.warnings:
            self.stdout.write(f"  warning: {warning}")

    def _table(self, rows):
        sizes = [max(width(str(r[i])) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
        line = "  ".join(pad(c, s) for c, s in zip(COLUMNS, sizes, strict=True))
        self.stdout.write(line)
        self.stdout.write("-" * width(line))
        for row in rows:
            self.stdout.write("  ".join(pad(c, s) for c, s in zip(row, sizes, strict=True)))
