"""Paths of the test inputs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "samples"
# The raw seed compilation, kept in the repository so tests run from any clone;
# test_seed_fixtures checks it is the same file as shared/seeds/ where that exists.
RAW_SEED = ROOT / "fixtures" / "seed" / "raw" / "000_20c651d4bffc88d9.txt"
