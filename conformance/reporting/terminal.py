"""What the person at the terminal sees: a live progress bar, and the table at the end.

On a TTY the progress line is rewritten in place (``\\r``). When stdout is not a terminal (CI logs,
cron mail) it stays quiet: at most one plain line every ``interval_s`` seconds, so a nightly log is
not thousands of progress lines long.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from conformance.records import CheckResult
from conformance.reporting.verdict import OUTCOMES, as_event

_VERDICT_LABEL = {"conformant": "conformant", "not-conformant": "NOT conformant", "inconclusive": "inconclusive"}


class Progress:
    """A progress bar: tests done of total, examples, failures so far, requests a second, time left.

    Call ``update(done, requests_so_far, ...)`` as often as you like; it decides when to draw. ``done``
    is a count of finished tests, or the ``CheckResult`` list so far (then failures and errors are
    counted from it). The optional keywords carry what the caller knows: ``total`` tests (also settable
    in the constructor; without it there is no bar and no time left), ``examples`` run so far, and
    ``failures``/``errors`` so far (they win over counting). The request rate is the one of the last
    ``rate_window_s`` seconds; the time left extrapolates the pace of the tests done so far.
    """

    BAR_WIDTH = 24

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        total: int | None = None,
        tty: bool | None = None,
        interval_s: float = 30.0,
        redraw_s: float = 0.1,
        rate_window_s: float = 10.0,
        columns: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.tty = tty if tty is not None else _isatty(self.stream)
        self.total = total
        self.interval_s = interval_s
        self.redraw_s = redraw_s
        self.rate_window_s = rate_window_s
        self.columns = columns
        self.clock = clock
        self.started = clock()
        self._last_draw = self.started
        self._drawn_width = 0
        self._line = ""
        self._samples: deque[tuple[float, int]] = deque([(self.started, 0)])

    # --- what the line says

    def request_rate(self, now: float, requests: int) -> float:
        """Requests a second over the last ``rate_window_s`` seconds (since the start, early on)."""
        samples = self._samples
        if not samples or requests < samples[-1][1]:  # a caller that restarted its count
            samples.clear()
            samples.append((now, requests))
        elif now > samples[-1][0]:
            samples.append((now, requests))
        while len(samples) > 2 and now - samples[1][0] >= self.rate_window_s:
            samples.popleft()
        t0, r0 = samples[0]
        return (requests - r0) / (now - t0) if now > t0 else 0.0

    def time_left(self, done: int, total: int | None, elapsed: float) -> float | None:
        """Seconds left at the pace so far, or None while it cannot be said."""
        if not total or done <= 0 or elapsed <= 0:
            return None
        return max(0, total - done) * elapsed / done

    def bar(self, done: int, total: int, width: int | None = None) -> str:
        width = self.BAR_WIDTH if width is None else width
        filled = min(width, width * done // total) if total > 0 else 0
        return "[" + "#" * filled + "." * (width - filled) + "]"

    def format_line(
        self,
        done: int,
        failures: int,
        errors: int,
        requests: int,
        elapsed: float,
        *,
        examples: int | None = None,
        rate: float | None = None,
        unit: str = "tests",
        bar: bool = False,
        bar_width: int | None = None,
    ) -> str:
        total = self.total
        if rate is None:
            rate = requests / elapsed if elapsed > 0 else 0.0
        parts = []
        if bar and total and bar_width != 0:
            parts.append(f"{self.bar(done, total, bar_width)} {done}/{total} {unit}")
        else:
            parts.append(f"{done}{f'/{total}' if total else ''} {unit}")
        if examples is not None:
            parts.append(f"{examples} examples")
        parts.append(f"{failures} failed")
        if errors:
            parts.append(f"{errors} errors")
        parts.append(f"{requests} requests ({rate:.1f}/s)")
        parts.append(_clock(elapsed))
        left = self.time_left(done, total, elapsed)
        if total:
            parts.append("done" if done >= total else f"~{_clock(left)} left" if left is not None else "time left unknown")
        return " · ".join(parts)

    # --- drawing

    def update(
        self,
        results_so_far: Sequence[CheckResult | Mapping[str, Any]] | int,
        requests_so_far: int,
        *,
        total: int | None = None,
        examples: int | None = None,
        failures: int | None = None,
        errors: int | None = None,
    ) -> None:
        now = self.clock()
        if total is not None:
            self.total = total
        if isinstance(results_so_far, int):
            done, counted_failures, counted_errors, unit = results_so_far, 0, 0, "tests"
        else:
            outcomes = [as_event(r).get("outcome") for r in results_so_far]
            done, unit = len(outcomes), "checks"
            counted_failures, counted_errors = outcomes.count("fail"), outcomes.count("error")
        rate = self.request_rate(now, requests_so_far)
        fields = (
            done,
            counted_failures if failures is None else failures,
            counted_errors if errors is None else errors,
            requests_so_far,
            now - self.started,
        )
        if self.tty:  # the widest bar that lets the line fit the terminal, else none
            width = self._width()
            for bar_width in (self.BAR_WIDTH, self.BAR_WIDTH // 2, 0):
                self._line = self.format_line(*fields, examples=examples, rate=rate, unit=unit, bar=True, bar_width=bar_width)
                if len(self._line) <= width:
                    break
        else:
            self._line = self.format_line(*fields, examples=examples, rate=rate, unit=unit)
        if self.tty:
            if now - self._last_draw >= self.redraw_s or self._drawn_width == 0:
                self._draw_in_place()
                self._last_draw = now
        elif now - self._last_draw >= self.interval_s:
            self.stream.write(self._line + "\n")
            self.stream.flush()
            self._last_draw = now

    def _width(self) -> int:
        columns = self.columns or shutil.get_terminal_size((100, 24)).columns
        return max(20, columns - 1)  # never the last column: a line that wraps cannot be rewritten with \r

    def _draw_in_place(self) -> None:
        line = self._line
        width = self._width()
        if len(line) > width:
            line = line[: width - 1] + "…"
        padding = " " * max(0, self._drawn_width - len(line))
        self.stream.write("\r" + line + padding)
        self.stream.flush()
        self._drawn_width = len(line)

    def finish(self) -> None:
        """End the in-place line on a TTY (drawing the latest state); nothing when not a terminal."""
        if self.tty and self._line:
            self._draw_in_place()
            self.stream.write("\n")
            self.stream.flush()


def _clock(seconds: float | None) -> str:
    """m:ss (h:mm:ss from an hour)."""
    if seconds is None:
        return "?"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:d}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:d}:{secs:02d}"


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def render_summary_table(summary: Mapping[str, Any]) -> str:
    """The end-of-run table by requirement (plain text), then the verdict line."""
    short = {"observed": "obs"}
    headers = ["requirement", "level", "verdict", *[short.get(o, o) for o in OUTCOMES]]
    rows = [
        [
            str(r.get("id")),
            str(r.get("level")),
            str(r.get("verdict")),
            *[str((r.get("outcomes") or {}).get(o, 0)) for o in OUTCOMES],
        ]
        for r in summary.get("requirements") or []
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(widths[i]) if i < 3 else c.rjust(widths[i]) for i, c in enumerate(cells)).rstrip()

    lines = [fmt(headers), fmt(["-" * w for w in widths]), *(fmt(row) for row in rows)]
    run = summary.get("run") or {}
    counts = summary.get("counts") or {}
    counted = ", ".join(f"{counts[o]} {o}" for o in OUTCOMES if counts.get(o))
    verdict = str(summary.get("verdict", "inconclusive"))
    lines.append("")
    lines.append(
        f"Verdict: {_VERDICT_LABEL.get(verdict, verdict)} · target {run.get('target', '?')} · "
        f"{summary.get('total', 0)} checks ({counted or 'none'})"
    )
    requests_line = render_requests_line(summary.get("requests") or {})
    if requests_line:
        lines.append(requests_line)
    unjudged = summary.get("must_not_judged") or []
    if unjudged:
        lines.append(f"MUST requirements not judged ({len(unjudged)}):")
        lines.extend(f"  {item.get('id')}: {item.get('why')}" for item in unjudged)
    return "\n".join(lines) + "\n"


def render_requests_line(requests: Mapping[str, Any]) -> str:
    """What the run cost the endpoint: requests by purpose and per judged example (empty when nothing was counted)."""
    total = int(requests.get("total") or 0)
    if not total:
        return ""
    purposes = ", ".join(f"{n:,} {p}" for p, n in (requests.get("by_purpose") or {}).items() if n)
    per = requests.get("per_judged_example")
    judged = int(requests.get("judged_examples") or 0)
    each = f", {per} per judged example ({judged:,} judged)" if per is not None else ""
    return f"Requests: {total:,} ({purposes}){each}"
