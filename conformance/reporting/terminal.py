"""What the person at the terminal sees: a live progress line, and the table at the end.

On a TTY the progress line is rewritten in place (``\\r``). When stdout is not a terminal (CI logs,
cron mail) it stays quiet: at most one plain line every ``interval_s`` seconds, so a nightly log is
not thousands of progress lines long.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from conformance.records import CheckResult
from conformance.reporting.verdict import OUTCOMES, as_event

_VERDICT_LABEL = {"conformant": "conformant", "not-conformant": "NOT conformant", "inconclusive": "inconclusive"}


class Progress:
    """Call ``update(results_so_far, requests_so_far)`` as often as you like; it decides when to draw."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        total: int | None = None,
        tty: bool | None = None,
        interval_s: float = 30.0,
        redraw_s: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.tty = tty if tty is not None else _isatty(self.stream)
        self.total = total
        self.interval_s = interval_s
        self.redraw_s = redraw_s
        self.clock = clock
        self.started = clock()
        self._last_draw = self.started
        self._drawn_width = 0
        self._line = ""

    def format_line(self, done: int, failures: int, errors: int, requests: int, elapsed: float) -> str:
        rate = requests / elapsed if elapsed > 0 else 0.0
        of_total = f"/{self.total}" if self.total else ""
        minutes, seconds = divmod(int(elapsed), 60)
        return (
            f"{done}{of_total} checks · {failures} failed · {errors} errors · {requests} requests "
            f"({rate:.1f}/s) · {minutes:d}:{seconds:02d}"
        )

    def update(self, results_so_far: Sequence[CheckResult | Mapping[str, Any]] | int, requests_so_far: int) -> None:
        now = self.clock()
        if isinstance(results_so_far, int):
            done, failures, errors = results_so_far, 0, 0
        else:
            outcomes = [as_event(r).get("outcome") for r in results_so_far]
            done, failures, errors = len(outcomes), outcomes.count("fail"), outcomes.count("error")
        self._line = self.format_line(done, failures, errors, requests_so_far, now - self.started)
        if self.tty:
            if now - self._last_draw >= self.redraw_s or self._drawn_width == 0:
                self._draw_in_place()
                self._last_draw = now
        elif now - self._last_draw >= self.interval_s:
            self.stream.write(self._line + "\n")
            self.stream.flush()
            self._last_draw = now

    def _draw_in_place(self) -> None:
        padding = " " * max(0, self._drawn_width - len(self._line))
        self.stream.write("\r" + self._line + padding)
        self.stream.flush()
        self._drawn_width = len(self._line)

    def finish(self) -> None:
        """End the in-place line on a TTY (drawing the latest state); nothing when not a terminal."""
        if self.tty and self._line:
            self._draw_in_place()
            self.stream.write("\n")
            self.stream.flush()


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
    return "\n".join(lines) + "\n"
