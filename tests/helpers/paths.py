"""Where things are in the repository, so a test does not count ``parents`` from its own location."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
DATA = TESTS / "data"
README = REPO / "README.md"
PYPROJECT = REPO / "pyproject.toml"
