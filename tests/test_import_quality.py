"""The importer on the hand-checked gold set meets the import issue's targets (bench/import_quality.py prints them)."""

from __future__ import annotations

import pytest

from . import gold

pytestmark = pytest.mark.django_db


def test_the_gold_set_is_imported_as_a_curator_marked_it():
    quality = gold.evaluate()
    summary = "\n".join([*gold.report(quality), *quality.mistakes])
    assert quality.documents.precision == quality.documents.recall == 1.0, summary
    assert quality.places.precision >= 0.95, summary
    assert quality.places.recall >= 0.95, summary
    assert quality.drafts.recall >= 0.9, summary
    assert quality.drafts.precision >= 0.8, summary
    assert quality.themes.precision >= 0.8, summary
    assert quality.header_accuracy >= 0.9, summary
    assert quality.duplicates.missed == quality.duplicates.false == 0, summary
