"""Per-worker append-only event files: the raw record the merged views are built from.

Each worker (xdist ``gw0``, ``gw1``... or the controller ``main``) owns one file, so no locking is
needed; every line is written in a single ``write`` and flushed, so a process that dies mid-run
leaves at worst one truncated last line, which ``read_events`` skips.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from types import TracebackType
from typing import Any

from conformance.records import CheckResult
from conformance.reporting.files import EVENTS_DIR, dumps_line

_WORKER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class EventSink:
    """Appends ``CheckResult.to_json()`` lines to ``<run_dir>/events/<worker>.ndjson``.

    The sink stamps its own ``worker`` on every event: the file a line lives in and the line
    itself must agree, or a merge could not tell two workers' runs of one test apart.
    """

    def __init__(self, run_dir: Path, worker: str) -> None:
        if not _WORKER_RE.match(worker):
            raise ValueError(f"invalid worker name for an event file: {worker!r}")
        self.worker = worker
        self.path = Path(run_dir) / EVENTS_DIR / f"{worker}.ndjson"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Unbuffered binary append: one os-level write per event, nothing held back in Python.
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.count = 0

    def emit(self, result: CheckResult | dict[str, Any]) -> None:
        """Append one event and flush it to the OS before returning."""
        if self._fd is None:
            raise ValueError("EventSink is closed")
        event = result.to_json() if isinstance(result, CheckResult) else dict(result)
        event["worker"] = self.worker
        data = dumps_line(event).encode("utf-8")
        written = 0
        while written < len(data):
            written += os.write(self._fd, data[written:])
        self.count += 1

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> EventSink:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def event_files(run_dir: Path) -> list[Path]:
    """The per-worker files, in name order (the order does not matter to the merge)."""
    events = Path(run_dir) / EVENTS_DIR
    if not events.is_dir():
        return []
    return sorted(p for p in events.glob("*.ndjson") if p.is_file())


def read_ndjson(path: Path) -> list[dict[str, Any]]:
    """Parse one NDJSON file; a truncated final line (the writer died) is dropped, any other bad line is an error."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    lines = raw.split("\n")
    out: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        is_last_unterminated = number == len(lines) and not raw.endswith("\n")
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            if is_last_unterminated:
                break
            raise ValueError(f"{path}:{number}: not a JSON line ({exc.msg})") from None
        if not isinstance(value, dict):
            raise ValueError(f"{path}:{number}: expected a JSON object")
        out.append(value)
    return out


def read_events(run_dir: Path) -> list[dict[str, Any]]:
    """All raw events of a run, file by file in name order and line order within a file (not merged or sorted)."""
    events: list[dict[str, Any]] = []
    for path in event_files(run_dir):
        for event in read_ndjson(path):
            event.setdefault("worker", path.stem)
            events.append(event)
    return events
