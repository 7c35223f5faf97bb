"""The progress line and the end-of-run table."""

from __future__ import annotations

import io
from pathlib import Path

from conformance.records import CheckResult, Outcome
from conformance.reporting.runinfo import RunInfo
from conformance.reporting.summary import build_summary
from conformance.reporting.terminal import Progress, render_summary_table

from .factories import check


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_quiet_when_not_a_terminal() -> None:
    stream, clock = io.StringIO(), FakeClock()
    progress = Progress(stream, clock=clock)
    assert not progress.tty
    done: list[CheckResult] = []
    for i in range(200):  # 200 updates over 20 s
        clock.now += 0.1
        done.append(check(f"t::{i}", Outcome.FAIL if i % 10 == 0 else Outcome.PASS))
        progress.update(done, requests_so_far=i * 3)
    progress.finish()
    assert stream.getvalue() == ""

    clock.now += 10.5  # past 30 s: one plain line, no carriage returns
    progress.update(done, requests_so_far=900)
    progress.update(done, requests_so_far=901)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and "\r" not in stream.getvalue()
    assert "200 checks" in lines[0] and "20 failed" in lines[0]


def test_progress_rewrites_one_line_on_a_tty() -> None:
    stream, clock = FakeTTY(), FakeClock()
    progress = Progress(stream, clock=clock, total=10)
    for i in range(10):
        clock.now += 1
        progress.update(i + 1, requests_so_far=(i + 1) * 5)
    text = stream.getvalue()
    assert "\n" not in text and text.count("\r") == 10
    assert text.rsplit("\r", 1)[1].startswith("10/10 checks")
    assert "5.0/s" in text
    progress.finish()
    assert stream.getvalue().endswith("\n")


def test_summary_table(tmp_path: Path, info: RunInfo, results: list[CheckResult]) -> None:
    table = render_summary_table(build_summary(info, results))
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["requirement", "level", "verdict"]
    assert any(line.startswith("DV-MUST-2") and " fail " in line for line in lines)
    assert any(line.startswith("DV-MUST-9") and "not-covered" in line for line in lines)
    assert lines[-1].startswith("Verdict: NOT conformant · target emulator · 7 checks")
