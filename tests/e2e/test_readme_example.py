"""The README's "Use the emulator in your own tests" examples, run exactly as printed there."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.paths import README
from tests.helpers.pytest_runs import explain, run_pytest

SECTION = "## Use the emulator in your own tests"


def readme_blocks() -> list[str]:
    """The ```python blocks of the section, in order."""
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    section = text[start : end if end >= 0 else len(text)]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_the_section_has_both_examples() -> None:
    blocks = readme_blocks()
    assert len(blocks) == 2
    assert "run_emulator()" in blocks[0]
    assert "def test_" in blocks[1] and "ossv_emulator" in blocks[1]


def test_the_context_manager_example_runs(tmp_path: Path) -> None:
    pytest.importorskip("alibabacloud_oss_v2.vectors")
    script = tmp_path / "example.py"
    script.write_text(readme_blocks()[0], encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert re.match(r"http://127\.0\.0\.1:\d+ \d{16} LTAI", proc.stdout), proc.stdout


def test_the_pytest_example_passes(tmp_path: Path) -> None:
    pytest.importorskip("alibabacloud_oss_v2.vectors")
    (tmp_path / "test_readme_fixture.py").write_text(readme_blocks()[1], encoding="utf-8")
    proc = run_pytest(tmp_path)
    assert proc.returncode == 0, explain(proc)
    assert "3 passed" in proc.stdout, explain(proc)
