"""docs/emulator.md lists every option and every fault."""

from __future__ import annotations

from pathlib import Path

from emulator.faults import FAULTS
from emulator.options import OPTION_DOCS

DOC = Path(__file__).resolve().parents[2] / "docs" / "emulator.md"


def test_docs_list_every_option_and_fault() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in [*OPTION_DOCS, *FAULTS] if f"| `{name}` |" not in text]
    assert not missing
