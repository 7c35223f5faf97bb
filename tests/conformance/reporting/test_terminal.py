"""The progress line and the end-of-run table."""

from __future__ import annotations

import io
from pathlib import Path

from conformance.records import CheckResult, Outcome
from conformance.reporting.runinfo import RunInfo
from conformance.reporting.summary import build_summary
from conformance.reporting.terminal import Progress, render_summary_table
from tests.helpers.report_factories import check


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
    progress = Progress(stream, clock=clock, total=10, columns=200)
    for i in range(10):
        clock.now += 1
        progress.update(i + 1, requests_so_far=(i + 1) * 5)
    text = stream.getvalue()
    assert "\n" not in text and text.count("\r") == 10
    last = text.rsplit("\r", 1)[1]
    assert last.startswith("[" + "#" * Progress.BAR_WIDTH + "] 10/10 tests")
    assert "5.0/s" in text and last.rstrip().endswith("done")
    progress.finish()
    assert stream.getvalue().endswith("\n")


def _last_line(stream: io.StringIO) -> str:
    return stream.getvalue().rsplit("\r", 1)[-1].rstrip()


def test_progress_bar_shows_tests_examples_failures_rate_and_time_left() -> None:
    stream, clock = FakeTTY(), FakeClock()
    progress = Progress(stream, clock=clock, columns=200)
    clock.now += 10
    progress.update(5, 200, total=20, examples=150, failures=2, errors=1)
    line = _last_line(stream)
    bar = "[" + "#" * (Progress.BAR_WIDTH // 4) + "." * (Progress.BAR_WIDTH * 3 // 4) + "]"
    assert line == f"{bar} 5/20 tests · 150 examples · 2 failed · 1 errors · 200 requests (20.0/s) · 0:10 · ~0:30 left"


def test_progress_request_rate_is_the_recent_one() -> None:
    stream, clock = FakeTTY(), FakeClock()
    progress = Progress(stream, clock=clock, total=100, columns=200, redraw_s=0, rate_window_s=10)
    requests = 0
    for second in range(60):  # a minute at 50 requests a second...
        clock.now += 1
        requests += 50
        progress.update(second // 2, requests)
    assert "(50.0/s)" in _last_line(stream)
    for _ in range(12):  # ...then throttled to 5 a second: the line says 5, not the minute's average
        clock.now += 1
        requests += 5
        progress.update(31, requests)
    assert "(5.0/s)" in _last_line(stream)


def test_progress_time_left_needs_a_total_and_a_finished_test() -> None:
    stream, clock = FakeTTY(), FakeClock()
    progress = Progress(stream, clock=clock, columns=200, redraw_s=0)
    clock.now += 3
    progress.update(0, 10, examples=0)
    assert "left" not in _last_line(stream) and "[" not in _last_line(stream)  # no total: no bar, no estimate
    clock.now += 1
    progress.update(0, 20, total=8)
    assert _last_line(stream).endswith("time left unknown")
    clock.now += 4  # 2 of 8 in 8 s: 24 s to go
    progress.update(2, 30)
    assert _last_line(stream).endswith("~0:24 left")
    assert progress.time_left(1, 3601, 1.0) == 3600.0


def test_progress_counts_failures_from_results_unless_told() -> None:
    stream, clock = FakeTTY(), FakeClock()
    progress = Progress(stream, clock=clock, columns=200, redraw_s=0)
    results = [check("t::a", Outcome.FAIL), check("t::b", Outcome.PASS), check("t::c", Outcome.ERROR)]
    clock.now += 1
    progress.update(results, 3)
    assert "3 checks · 1 failed · 1 errors" in _last_line(stream)
    clock.now += 1
    progress.update(3, 3, failures=7)
    assert "3 tests · 7 failed" in _last_line(stream)


def test_progress_never_wraps_the_terminal() -> None:
    stream, clock = FakeTTY(), FakeClock()
    progress = Progress(stream, clock=clock, columns=60, redraw_s=0)
    clock.now += 1
    progress.update(3, 1000, total=900, examples=123456, failures=12, errors=3)
    clock.now += 1
    progress.update(4, 1001)  # a shorter line after a longer one is padded over, never longer than the terminal
    for drawn in stream.getvalue().split("\r")[1:]:
        assert len(drawn) <= 59
    assert _last_line(stream).endswith("…")


def test_progress_bar_shrinks_before_the_line_is_cut() -> None:
    stream, clock = FakeTTY(), FakeClock()
    progress = Progress(stream, clock=clock, columns=100, redraw_s=0)
    clock.now += 10
    progress.update(5, 200, total=20, examples=150)  # 80 characters without the bar
    line = _last_line(stream)
    half = Progress.BAR_WIDTH // 2
    assert line.startswith("[" + "#" * (half // 4) + "." * (half - half // 4) + "] 5/20 tests") and len(line) <= 99
    progress.columns = 85
    progress.update(5, 200, examples=150)
    line = _last_line(stream)
    assert line.startswith("5/20 tests · 150 examples") and "…" not in line


def test_progress_plain_line_has_no_bar() -> None:
    stream, clock = io.StringIO(), FakeClock()
    progress = Progress(stream, clock=clock, total=4, interval_s=5)
    clock.now += 6
    progress.update(1, 12, examples=30)
    assert stream.getvalue() == "1/4 tests · 30 examples · 0 failed · 12 requests (2.0/s) · 0:06 · ~0:18 left\n"


def test_summary_table(tmp_path: Path, info: RunInfo, results: list[CheckResult]) -> None:
    table = render_summary_table(build_summary(info, results))
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["requirement", "level", "verdict"]
    assert any(line.startswith("DV-MUST-2") and " fail " in line for line in lines)
    assert any(line.startswith("DV-MUST-9") and "not-covered" in line for line in lines)
    verdicts = [line for line in lines if line.startswith("Verdict: ")]
    assert len(verdicts) == 1 and verdicts[0].startswith("Verdict: NOT conformant · target emulator · 7 checks")
