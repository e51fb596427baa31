"""Export a selection of lessons from the command line, with the same filters as the pages."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from types import SimpleNamespace

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from briefings import exporting, selection
from briefings.assemble import GROUPINGS
from briefings.models import Collection
from briefings.pdf import PDFUnavailable

# Who the command exports as: a reader (published lessons only) unless --include-drafts.
READER = AnonymousUser()
CURATOR = SimpleNamespace(is_active=True, is_staff=True, is_authenticated=True, pk=None, has_perm=lambda perm: True)


class Command(BaseCommand):
    help = (
        "Export lessons as a PDF briefing, a Word document, CSV or JSON. Without a source option, exports the "
        "practices matching the filters (all published practices when there are none)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=sorted(exporting.FORMATS), default="pdf")
        parser.add_argument("-o", "--output", required=True, help="file to write ('-' for standard output)")
        parser.add_argument(
            "--type",
            choices=["practices", "recommendations"],
            default="practices",
            help="which list the filters apply to",
        )
        parser.add_argument("--q", default="", help="words that must appear (as in the lists' keyword filter)")
        parser.add_argument("--place", default="", help="a place name, alias or adcode: that place and below")
        parser.add_argument("--theme", default="", help="a theme slug")
        parser.add_argument("--tag", default="")
        parser.add_argument("--document", default="", help="a source document's number")
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--search", metavar="QUERY", help="export the search results for QUERY instead")
        source.add_argument("--collection", type=int, metavar="ID", help="export a collection instead")
        source.add_argument("--practice", type=int, metavar="ID", help="export one practice")
        source.add_argument("--recommendation", type=int, metavar="ID", help="export one recommendation")
        parser.add_argument("--group", choices=GROUPINGS, help="group lessons by theme, by place, or not at all")
        parser.add_argument("--title", default="", help="the briefing's title (default: from the selection)")
        parser.add_argument("--include-drafts", action="store_true", help="export as staff: drafts included")

    def _parameters(self, options) -> QueryDict:
        data = QueryDict(mutable=True)
        if options["practice"] or options["recommendation"]:
            kind = "practice" if options["practice"] else "recommendation"
            data.update({"source": kind, "id": str(options[kind])})
            return data
        data["source"] = "search" if options["search"] is not None else options["type"]
        if options["search"] is not None:
            data["q"] = options["search"]
        elif options["q"]:
            data["q"] = options["q"]
        for key in ("place", "theme", "tag", "document"):
            if options[key]:
                data[key] = options[key]
        return data

    def _selection(self, options, *, user) -> selection.Selection:
        if options["collection"]:
            # Collections are private to staff in the web pages; the operator running the command may export any.
            collection = Collection.objects.filter(pk=options["collection"]).first()
            if collection is None:
                raise CommandError(f"No collection {options['collection']}.")
            return selection.for_collection(collection=collection, user=user)
        return selection.from_parameters(self._parameters(options), user=user)

    def handle(self, *args, **options):
        user = CURATOR if options["include_drafts"] else READER
        started = time.perf_counter()
        try:
            chosen = self._selection(options, user=user)
            file = exporting.export(
                chosen, fmt=options["format"], user=user, grouping=options["group"], title=options["title"]
            )
        except (selection.SelectionError, PDFUnavailable) as error:
            raise CommandError(str(error)) from error
        if options["output"] == "-":
            sys.stdout.buffer.write(file.content)
            sys.stdout.flush()
        else:
            try:
                Path(options["output"]).write_bytes(file.content)
            except OSError as error:
                raise CommandError(f"Cannot write {options['output']}: {error.strerror}") from error
        pages = ""
        if options["format"] == "pdf":
            from briefings.pdf import page_count

            pages = f", {page_count(file.content)} pages"
        self.stderr.write(
            f"{file.briefing.practice_count} practices, {file.briefing.recommendation_count} recommendations"
            f"{pages}, {len(file.content):,} bytes in {time.perf_counter() - started:.2f} s -> {options['output']}"
        )
