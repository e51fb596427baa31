"""Import quality on the hand-checked gold set: precision and recall of what the importer proposes.

    .venv/bin/python bench/import_quality.py [--database-url postgres://…] [--mistakes]

Twelve reports in tests/samples/gold/ (three compilations; UTF-8, GBK and
UTF-16 text, a .docx with a table, a two-page text PDF with a running header
and page numbers), each marked by hand in expected.yaml. The script migrates
and seeds a fresh base (a temporary SQLite file unless a database URL is
given), analyses every file as the importer does (nothing is written) and
prints the figures beside the targets; --mistakes lists every difference.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument("--mistakes", action="store_true", help="list every difference from the gold set")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kbase_quality_"))
    os.environ["DATABASE_URL"] = options.database_url or f"sqlite:///{folder / 'quality.sqlite3'}"
    os.environ.setdefault("DEBUG", "1")
    os.environ["KBASE_VAR_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbase.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from experiences.seeding import seed
    from tests import gold

    call_command("migrate", verbosity=0)
    seed()
    quality = gold.evaluate()
    print(f"gold set: {len(gold.expected())} files, {quality.documents.true} documents")
    print("\n".join(gold.report(quality)))
    if options.mistakes:
        print("\n".join(quality.mistakes) or "no mistakes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
